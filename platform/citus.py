"""Citus, the scale-out path: which tables are distributed on tenant_id, which are reference tables,
the conversion's statements in order, and the schema rules that make it possible.

Everything is read from the database's catalog, so the plan covers every table a migration adds:
a table whose ``tenant_id`` is NOT NULL and that has row-level security is a tenant table
(distributed on ``tenant_id``, colocated with the others); every other table is regional (a reference
table, copied to every node). ``alembic_version`` stays on the coordinator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

LOCAL_TABLES = frozenset({"alembic_version"})

# Settings of the conversion, each for a reason found on a real cluster (see docs/scaling.md).
CONVERSION_SETTINGS = (
    # Otherwise making `organizations` a reference table turns every local table that references it
    # into a "Citus local table", whose identity columns then block its distribution.
    "SET LOCAL citus.enable_local_reference_table_foreign_keys = off",
    # The monitoring reports' write-once trigger: allowed on a Citus table only with this setting.
    "SET LOCAL citus.enable_unsafe_triggers = on",
    # Reference tables are written after distributed ones are read in the same transaction.
    "SET LOCAL citus.multi_shard_modify_mode = 'sequential'",
)


@dataclass
class ForeignKey:
    table: str
    name: str
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    definition: str


@dataclass
class Schema:
    """What the conversion needs to know of the tables, from the catalog."""

    tables: set[str] = field(default_factory=set)
    tenant_tables: set[str] = field(default_factory=set)
    primary_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unique_keys: dict[str, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    foreign_keys: list[ForeignKey] = field(default_factory=list)

    @property
    def reference_tables(self) -> set[str]:
        return self.tables - self.tenant_tables - LOCAL_TABLES


_TABLES = text("""
    SELECT c.relname AS name, c.relrowsecurity AS rls,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                   AND a.attnotnull AND NOT a.attisdropped) AS tenant_not_null
    FROM pg_class c WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace""")
_KEYS = text("""
    SELECT c.conrelid::regclass::text AS table_name, c.conname AS name, c.contype AS kind,
           array_agg(a.attname::text ORDER BY k.ord) AS columns,
           c.confrelid::regclass::text AS referred_table,
           (SELECT array_agg(ra.attname::text ORDER BY rk.ord)
              FROM unnest(c.confkey) WITH ORDINALITY AS rk(attnum, ord)
              JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = rk.attnum) AS referred_columns,
           pg_get_constraintdef(c.oid) AS definition
    FROM pg_constraint c
    CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
    WHERE c.contype IN ('p', 'u', 'f') AND c.connamespace = 'public'::regnamespace
    GROUP BY c.oid, c.conrelid, c.conname, c.contype, c.confrelid""")
# Unique indexes made without a constraint are keys too.
_UNIQUE_INDEXES = text("""
    SELECT t.relname AS table_name, i.relname AS name,
           array_agg(a.attname::text ORDER BY k.ord) AS columns
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE x.indisunique AND NOT x.indisprimary AND t.relnamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    GROUP BY t.relname, i.relname""")


def read_schema(connection) -> Schema:
    """The tables, keys and foreign keys of the ``public`` schema."""
    schema = Schema()
    for row in connection.execute(_TABLES):
        schema.tables.add(row.name)
        if row.tenant_not_null and row.rls:
            schema.tenant_tables.add(row.name)
    for row in connection.execute(_KEYS):
        columns = tuple(row.columns)
        if row.kind == "p":
            schema.primary_keys[row.table_name] = columns
        elif row.kind == "u":
            schema.unique_keys.setdefault(row.table_name, []).append((row.name, columns))
        else:
            schema.foreign_keys.append(ForeignKey(row.table_name, row.name, columns, row.referred_table,
                                                  tuple(row.referred_columns), row.definition))
    for row in connection.execute(_UNIQUE_INDEXES):
        schema.unique_keys.setdefault(row.table_name, []).append((row.name, tuple(row.columns)))
    return schema


def readiness_problems(schema: Schema) -> list[str]:
    """What would stop the conversion or break on it: empty when the schema is ready."""
    problems = []
    for table in sorted(schema.tenant_tables):
        key = schema.primary_keys.get(table, ())
        if not key or key[0] != "tenant_id":
            problems.append(f"{table}: primary key {key} is not led by tenant_id")
        for name, columns in schema.unique_keys.get(table, []):
            if "tenant_id" not in columns:
                problems.append(f"{table}: unique key {name} {columns} lacks tenant_id")
    for fk in schema.foreign_keys:
        if fk.table in LOCAL_TABLES:
            continue
        if fk.table in schema.tenant_tables and fk.referred_table in schema.tenant_tables:
            pairs = dict(zip(fk.columns, fk.referred_columns, strict=True))
            if pairs.get("tenant_id") != "tenant_id":
                problems.append(f"{fk.table}: foreign key {fk.name} to {fk.referred_table} does not join on "
                                "tenant_id")
        elif fk.table not in schema.tenant_tables and fk.referred_table in schema.tenant_tables:
            problems.append(f"{fk.table}: regional table with foreign key {fk.name} to tenant table "
                            f"{fk.referred_table}")
    return problems


def _ordered(tables: set[str], foreign_keys: list[ForeignKey]) -> list[str]:
    """Referenced before referencing (self-references ignored), then by name."""
    needs = {table: {fk.referred_table for fk in foreign_keys
                     if fk.table == table and fk.referred_table in tables and fk.referred_table != table}
             for table in tables}
    ordered: list[str] = []
    while needs:
        ready = sorted(table for table, wanted in needs.items() if wanted <= set(ordered))
        if not ready:
            raise ValueError(f"foreign keys form a cycle among {sorted(needs)}")
        ordered += ready
        for table in ready:
            del needs[table]
    return ordered


def conversion_plan(schema: Schema) -> list[str]:
    """The statements that turn a single-node database into a Citus one, in order, in one transaction.

    Foreign keys are dropped first and made again last, once both sides of each are Citus tables, so
    no table ever passes through a state Citus refuses.
    """
    problems = readiness_problems(schema)
    if problems:
        raise ValueError("the schema is not ready for Citus: " + "; ".join(problems))
    statements = list(CONVERSION_SETTINGS)
    foreign_keys = [fk for fk in schema.foreign_keys if fk.table not in LOCAL_TABLES]
    statements += [f'ALTER TABLE "{fk.table}" DROP CONSTRAINT "{fk.name}"' for fk in foreign_keys]
    statements += [f"SELECT create_reference_table('{table}')"
                   for table in _ordered(schema.reference_tables, foreign_keys)]
    distributed = _ordered(schema.tenant_tables, foreign_keys)
    for position, table in enumerate(distributed):
        colocation = "'none'" if position == 0 else f"'{distributed[0]}'"
        statements.append(f"SELECT create_distributed_table('{table}', 'tenant_id', colocate_with => {colocation})")
    statements += [f'ALTER TABLE "{fk.table}" ADD CONSTRAINT "{fk.name}" {fk.definition}' for fk in foreign_keys]
    return statements


def has_citus(connection) -> bool:
    return connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'citus'")).first() is not None
