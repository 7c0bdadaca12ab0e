// A certified OpenID provider (oidc-provider) shaped like the production Keycloak realm, for the tests:
// issuer <base>/realms/<realm>, Keycloak's endpoint paths, a public client that must use PKCE with S256,
// exact redirect URIs, RS256 JWT access tokens typed "Bearer" with the client in azp and aud, the
// person's realm roles in realm_access.roles and their groups as full paths, refresh tokens, and
// RP-initiated logout. Accounts, ports and lifetimes come from the environment (see the Python fixture).
import * as crypto from "node:crypto";
import * as http from "node:http";

import { Provider } from "oidc-provider";

const env = (name, fallback) => process.env[name] ?? fallback;
const port = Number(env("OIDC_PORT", "0"));
const realm = env("OIDC_REALM", "smartregion");
const prefix = `/realms/${realm}`;
const issuer = `http://127.0.0.1:${port}${prefix}`;
const clientId = env("OIDC_CLIENT_ID", "smartregion");
const audience = env("OIDC_AUDIENCE", clientId);
const accessTtl = Number(env("OIDC_ACCESS_TTL", "300"));
const users = new Map(JSON.parse(env("OIDC_USERS", "[]")).map((user) => [user.username, user]));

const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), use: "sig", alg: "RS256", kid: crypto.randomUUID() };

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function account(username) {
  const user = users.get(username);
  if (!user) return undefined;
  return {
    accountId: username,
    async claims() {
      return { sub: user.sub, preferred_username: username, name: user.name, email: user.email };
    },
  };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_name: "smartregion",
    token_endpoint_auth_method: "none",
    redirect_uris: [env("OIDC_REDIRECT_URI")],
    post_logout_redirect_uris: [env("OIDC_POST_LOGOUT_URI")],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString("hex")] },
  pkce: { required: () => true },
  routes: {
    authorization: "/protocol/openid-connect/auth",
    token: "/protocol/openid-connect/token",
    jwks: "/protocol/openid-connect/certs",
    userinfo: "/protocol/openid-connect/userinfo",
    end_session: "/protocol/openid-connect/logout",
    revocation: "/protocol/openid-connect/revoke",
    introspection: "/protocol/openid-connect/token/introspect",
  },
  claims: { openid: ["sub"], profile: ["name", "preferred_username"], email: ["email"] },
  scopes: ["openid", "profile", "email", "offline_access"],
  ttl: { AccessToken: accessTtl, IdToken: 3600, RefreshToken: 8 * 3600, Session: 8 * 3600, Grant: 8 * 3600,
         Interaction: 600, AuthorizationCode: 60 },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!doctype html><html lang="it"><head><meta charset="utf-8"><title>Logout</title></head>
          <body><h1>Vuoi uscire da smartregion?</h1>${form}
          <button type="submit" form="op.logoutForm" value="yes" name="logout" data-testid="idp-logout">Esci</button>
          </body></html>`;
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => "urn:smartregion:api",
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: "api", audience, accessTokenTTL: accessTtl, accessTokenFormat: "jwt", jwt: { sign: { alg: "RS256" } },
      }),
    },
  },
  formats: {
    customizers: {
      // Keycloak's shape: typ Bearer, the client in azp, realm roles and group paths.
      async jwt(ctx, token, jwt) {
        const user = users.get(token.accountId);
        Object.assign(jwt.payload, {
          typ: "Bearer", azp: token.clientId, aud: [audience, "account"],
          preferred_username: token.accountId, name: user?.name, email: user?.email,
          realm_access: { roles: user?.roles ?? [] }, groups: user?.groups ?? [],
        });
      },
    },
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed("refresh_token"),
  // A first-party client: no consent screen, as the realm's client is configured.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid profile email");
    grant.addResourceScope("urn:smartregion:api", "api");
    await grant.save();
    return grant;
  },
  findAccount: async (ctx, id) => account(id),
  interactions: { url: async (ctx, interaction) => `${prefix}/login-actions/${interaction.uid}` },
});

function loginPage(uid, error) {
  return `<!doctype html><html lang="it"><head><meta charset="utf-8"><title>Accedi</title></head><body>
    <h1>Accedi a smartregion</h1>${error ? `<p role="alert" data-testid="idp-error">${escape(error)}</p>` : ""}
    <form method="post" action="${prefix}/login-actions/${escape(uid)}/login">
      <label for="username">Nome utente</label><input id="username" name="username" autocomplete="username">
      <label for="password">Password</label><input id="password" name="password" type="password">
      <button type="submit" data-testid="idp-login">Accedi</button>
    </form></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

async function interaction(req, res, uid, action) {
  await provider.interactionDetails(req, res);  // throws when the interaction is unknown or expired
  if (req.method === "POST" && action === "login") {
    const form = await readForm(req);
    const user = users.get(form.get("username") ?? "");
    if (!user || user.password !== form.get("password")) {
      res.writeHead(401, { "Content-Type": "text/html; charset=utf-8" });
      return res.end(loginPage(uid, "Nome utente o password non validi."));
    }
    return provider.interactionFinished(req, res, { login: { accountId: user.username } },
                                        { mergeWithLastSubmission: false });
  }
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
  return res.end(loginPage(uid));
}

const handle = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    const match = req.url.match(new RegExp(`^${prefix}/login-actions/([\\w-]+)(?:/(login))?`));
    if (match) return await interaction(req, res, match[1], match[2]);
    if (req.url.startsWith(prefix)) {
      // Mounted under the issuer's path, as Keycloak serves a realm.
      req.originalUrl = req.url;
      req.url = req.url.slice(prefix.length) || "/";
      return handle(req, res);
    }
    res.writeHead(404).end();
  } catch (error) {
    res.writeHead(400, { "Content-Type": "text/plain" }).end(String(error.message));
  }
});
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${issuer}\n`);
});
