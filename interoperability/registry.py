"""Offline registry of the JSON Schemas the regional standards build on (registro degli schemi).

Every schema a standard may reference is shipped under ``data/upstream/schemas`` and listed in
``data/upstream/manifest.json`` with its canonical URL, source and licence. A ``$ref`` is resolved only
against this registry: a reference to anything else is refused, so validation never fetches from the
network. ``bundle()`` inlines every reference into one self-contained draft-07 document, which any
engine (fastjsonschema, jsonschema, jsonschema-rs) compiles without a resolver.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag

DRAFT7 = "http://json-schema.org/draft-07/schema#"


class SchemaRegistryError(ValueError):
    """A schema cannot be assembled from the registry; ``pointer`` locates the offending keyword."""

    rule = "schema"

    def __init__(self, message: str, *, pointer: str = "", ref: str | None = None):
        super().__init__(message)
        self.message = message
        self.pointer = pointer
        self.ref = ref


class RefOutsideRegistry(SchemaRegistryError):
    """A ``$ref`` names a document that the platform does not ship."""

    rule = "ref-outside-registry"


class UnresolvableRef(SchemaRegistryError):
    """A ``$ref`` names a shipped document but a location that does not exist in it."""

    rule = "ref-unresolvable"


@dataclass(frozen=True)
class RegistryDocument:
    """One shipped schema document and where it came from."""

    url: str
    file: str
    source: dict[str, Any]
    document: dict[str, Any] = field(repr=False, compare=False)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return unquote(token).replace("~1", "/").replace("~0", "~")


def resolve_pointer(document: Any, fragment: str) -> Any:
    """The value at JSON pointer ``fragment`` (``/a/b``) in ``document``; KeyError when absent."""
    node = document
    if fragment in ("", "/"):
        return node
    for raw in fragment.lstrip("/").split("/"):
        token = _unescape(raw)
        if isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                raise KeyError(fragment)
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise KeyError(fragment)
    return node


class SchemaRegistry:
    """Schemas by canonical URL, with the aliases and errata the manifest declares."""

    def __init__(
        self,
        documents: dict[str, RegistryDocument],
        *,
        aliases: dict[str, str] | None = None,
        errata: dict[str, str] | None = None,
    ):
        self._documents = documents
        self._aliases = aliases or {}
        self._errata = errata or {}

    @classmethod
    def shipped(cls) -> SchemaRegistry:
        """The registry of the schemas shipped with the platform (loaded once per process)."""
        return _shipped_registry()

    @property
    def urls(self) -> list[str]:
        return sorted(self._documents)

    @property
    def aliases(self) -> dict[str, str]:
        return dict(self._aliases)

    @property
    def errata(self) -> dict[str, str]:
        return dict(self._errata)

    def canonical(self, url: str) -> str:
        """The canonical URL of a document, following declared aliases; raises when not shipped."""
        url = self._aliases.get(url, url)
        if url not in self._documents:
            raise RefOutsideRegistry(
                f"'{url}' is not in the regional schema registry; only shipped schemas can be referenced "
                f"(known: {', '.join(self.urls)})",
                ref=url,
            )
        return url

    def get(self, url: str) -> RegistryDocument:
        return self._documents[self.canonical(url)]

    def __contains__(self, url: str) -> bool:
        return self._aliases.get(url, url) in self._documents

    def bundle(self, schema: dict[str, Any], *, base_url: str | None = None) -> dict[str, Any]:
        """A self-contained draft-07 copy of ``schema`` with every reachable ``$ref`` inlined.

        Raises ``RefOutsideRegistry`` for a reference outside the registry and ``UnresolvableRef`` for
        a reference to a missing location in a shipped document.
        """
        return _Bundler(self).run(schema, base_url)


class _Bundler:
    """Rewrites references into ``#/definitions/<key>/...`` of one root document."""

    def __init__(self, registry: SchemaRegistry):
        self.registry = registry
        self.keys: dict[str, str] = {}
        self.definitions: dict[str, Any] = {}
        self.pending: list[str] = []

    def key_for(self, url: str) -> str:
        if url not in self.keys:
            key = "doc" + str(len(self.keys))
            self.keys[url] = key
            self.pending.append(url)
        return self.keys[url]

    def run(self, schema: dict[str, Any], base_url: str | None) -> dict[str, Any]:
        if not isinstance(schema, dict):
            raise SchemaRegistryError("a JSON Schema must be a JSON object")
        base = base_url or schema.get("$id")
        root = self.rewrite(copy.deepcopy(schema), base, "")
        done: set[str] = set()
        while self.pending:
            url = self.pending.pop()
            if url in done:
                continue
            done.add(url)
            document = copy.deepcopy(self.registry.get(url).document)
            self.definitions[self.keys[url]] = self.rewrite(document, url, "")
        root = {"$schema": DRAFT7, **root}
        definitions = dict(root.get("definitions") or {})
        for name in self.definitions:
            if name in definitions:
                raise SchemaRegistryError(
                    f"definition name '{name}' is reserved by the registry", pointer="/definitions/" + name
                )
        definitions.update(self.definitions)
        if definitions:
            root["definitions"] = definitions
        self.check_targets(root)
        return root

    def rewrite(self, node: Any, base: str | None, pointer: str) -> Any:
        if isinstance(node, list):
            return [self.rewrite(item, base, f"{pointer}/{i}") for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("$id", "$schema") and isinstance(value, str):
                continue
            if key == "$ref" and isinstance(value, str):
                out[key] = self.rewrite_ref(value, base, pointer + "/$ref")
            elif key in ("enum", "const", "examples", "default"):
                out[key] = value
            elif key == "properties" and isinstance(value, dict):
                out[key] = {
                    name: self.rewrite(sub, base, f"{pointer}/properties/{_escape(name)}")
                    for name, sub in value.items()
                }
            else:
                out[key] = self.rewrite(value, base, f"{pointer}/{_escape(key)}")
        return out

    def rewrite_ref(self, ref: str, base: str | None, pointer: str) -> str:
        url, fragment = urldefrag(ref)
        if not url:
            if base is None or base not in self.keys:
                return ref if ref.startswith("#") else "#" + fragment
            absolute = base + "#" + fragment
        elif "://" not in url and not url.startswith("urn:"):
            raise RefOutsideRegistry(
                f"relative reference '{ref}' cannot be resolved; reference a shipped schema by its URL",
                pointer=pointer,
                ref=ref,
            )
        else:
            absolute = ref
        absolute = self.registry.errata.get(absolute, absolute)
        url, fragment = urldefrag(absolute)
        try:
            canonical = self.registry.canonical(url)
        except RefOutsideRegistry as exc:
            raise RefOutsideRegistry(exc.message, pointer=pointer, ref=ref) from None
        try:
            resolve_pointer(self.registry.get(canonical).document, fragment)
        except KeyError:
            raise UnresolvableRef(
                f"'{ref}' points to '{fragment}', which does not exist in {canonical}",
                pointer=pointer,
                ref=ref,
            ) from None
        key = self.key_for(canonical)
        return f"#/definitions/{key}{fragment if fragment.startswith('/') else ''}"

    def check_targets(self, root: dict[str, Any]) -> None:
        def walk(node: Any, pointer: str) -> None:
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str):
                    if not ref.startswith("#"):
                        raise RefOutsideRegistry(
                            f"'{ref}' is not in the regional schema registry", pointer=pointer, ref=ref
                        )
                    try:
                        resolve_pointer(root, ref[1:])
                    except KeyError:
                        raise UnresolvableRef(f"'{ref}' does not resolve", pointer=pointer, ref=ref) from None
                for key, value in node.items():
                    if key not in ("enum", "const", "examples", "default"):
                        walk(value, f"{pointer}/{_escape(key)}")
            elif isinstance(node, list):
                for i, item in enumerate(node):
                    walk(item, f"{pointer}/{i}")

        walk(root, "")


DATA_DIR = Path(__file__).resolve().parent / "data"


def _data_path(*parts: str) -> Path:
    return DATA_DIR.joinpath(*parts)


@cache
def _shipped_registry() -> SchemaRegistry:
    manifest = json.loads(_data_path("upstream", "manifest.json").read_text(encoding="utf-8"))
    documents: dict[str, RegistryDocument] = {}
    for entry in manifest["schemas"]:
        document = json.loads(_data_path("upstream", "schemas", entry["file"]).read_text(encoding="utf-8"))
        documents[entry["url"]] = RegistryDocument(entry["url"], entry["file"], entry["source"], document)
    aliases = {item["url"]: item["target"] for item in manifest.get("aliases", [])}
    errata = {item["ref"]: item["replacement"] for item in manifest.get("errata", [])}
    return SchemaRegistry(documents, aliases=aliases, errata=errata)


def upstream_manifest() -> dict[str, Any]:
    """The manifest of shipped upstream schemas and examples (sources, licence, aliases, errata)."""
    return json.loads(_data_path("upstream", "manifest.json").read_text(encoding="utf-8"))
