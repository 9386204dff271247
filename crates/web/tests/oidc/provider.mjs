// A real OpenID provider (the certified `oidc-provider` package) for the single sign-on test
// (crates/web/tests/sso.rs), on loopback. No screens: each authorization logs in the account the
// test chose with `POST /test/next?account=<id>` and consents to what was asked.
//
// Usage: node provider.mjs <port, 0 for any> <redirect_uri>; prints "ready <issuer>" once it
// listens.
// `POST /test/next?account=<id>&tamper_nonce=1` also makes the next ID token carry another nonce,
// re-signed with the provider's own key, so the relying party must refuse it for the nonce alone.
import http from 'node:http';
import { generateKeyPair, exportJWK, SignJWT, decodeProtectedHeader, decodeJwt } from 'jose';
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
// Listening first: the issuer names the port the system chose.
let provider;
let callback;
const server = http.createServer((req, res) => handle(req, res));
await new Promise((resolve) => server.listen(Number(port) || 0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const accounts = {
  alice: { sub: 'alice', email: 'alice@northwind.example', email_verified: true, name: 'Alice Admin', groups: [] },
  fiona: { sub: 'fiona', email: 'fiona@northwind.example', email_verified: true, name: 'Fiona Finance', groups: ['trainyard-finance'] },
  carl: { sub: 'carl', email: 'carl@northwind.example', email_verified: true, name: 'Carl Coordinator', groups: ['staff'] },
  mallory: { sub: 'mallory', email: 'alice@northwind.example', email_verified: false, name: 'Not Alice', groups: [] },
};
let next = { account: 'alice', tamperNonce: false };

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', use: 'sig', alg: 'RS256' };

provider = new Provider(issuer, {
  clients: [{
    client_id: 'trainyard',
    client_secret: 'trainyard-test-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  // The scopes' claims in the ID token itself, where the relying party reads them.
  conformIdTokenClaims: false,
  findAccount: async (ctx, id) => accounts[id] && ({ accountId: id, claims: async () => accounts[id] }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ['trainyard-oidc-test'] },
});
provider.proxy = false;

// Re-signs the ID token of a token response with another nonce (see the header).
provider.use(async (ctx, nextMw) => {
  await nextMw();
  if (ctx.path === '/token' && ctx.status === 200 && next.tamperNonce && ctx.body && ctx.body.id_token) {
    next.tamperNonce = false;
    const claims = decodeJwt(ctx.body.id_token);
    const header = decodeProtectedHeader(ctx.body.id_token);
    claims.nonce = 'not-the-nonce-that-was-sent';
    ctx.body = { ...ctx.body, id_token: await new SignJWT(claims).setProtectedHeader(header).sign(privateKey) };
  }
});

callback = provider.callback();
async function handle(req, res) {
  const url = new URL(req.url, issuer);
  try {
    if (req.method === 'POST' && url.pathname === '/test/next') {
      next = { account: url.searchParams.get('account') || 'alice', tamperNonce: url.searchParams.get('tamper_nonce') === '1' };
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: next.account, clientId: details.params.client_id });
      grant.addOIDCScope(String(details.params.scope || 'openid'));
      grant.addOIDCClaims(['sub', 'email', 'email_verified', 'name', 'groups']);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: next.account }, consent: { grantId } }, { mergeWithLastSubmission: false });
      return;
    }
    callback(req, res);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e && e.stack || e));
  }
}
console.log(`ready ${issuer}`);
