// An independent OpenID Provider (panva/oidc-provider, OpenID Certified) for the
// end-to-end browser tests: it proves the relying party works with an OP we did not
// write. Configured entirely from the environment; see README.md for the contract.
import { generateKeyPairSync, randomUUID } from 'node:crypto';

// oidc-provider prints its development notices with console.info (stdout). The tests
// read stdout for the single ready line, so everything else goes to stderr.
console.info = console.error;
console.log = console.error;

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`oidc-provider fixture: the ${name} environment variable is required`);
    process.exit(2);
  }
  return value;
}

const PORT = Number(required('PORT'));
const ISSUER = process.env.ISSUER || `http://127.0.0.1:${PORT}`;
const CLIENT = {
  client_id: required('CLIENT_ID'),
  client_secret: required('CLIENT_SECRET'),
  token_endpoint_auth_method: 'client_secret_post',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [required('REDIRECT_URI')],
  post_logout_redirect_uris: [required('POST_LOGOUT_REDIRECT_URI')],
  id_token_signed_response_alg: 'RS256',
};

// Imported only now so a missing variable fails before the library's start-up warnings.
const { default: Provider } = await import('oidc-provider');

// A fresh key per run: the RP must discover it through jwks_uri rather than trusting a
// well-known one, and the library's built-in development keys are flagged as insecure.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig',
};

// The scopes the RP asks for; a first-party client gets them without a consent screen.
const FIRST_PARTY_SCOPE = 'openid email profile';

const configuration = {
  clients: [CLIENT],
  jwks: { keys: [signingKey] },

  // Any login name is a user; the built-in dev login form accepts any password.
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.org`,
          email_verified: true,
          name: id.charAt(0).toUpperCase() + id.slice(1),
        };
      },
    };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },

  // Skips the consent prompt: the browser flow is RP -> OP login form -> RP.
  async loadExistingGrant(ctx) {
    const { provider, client, session } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    const existing = grantId && await provider.Grant.find(grantId);
    if (existing) return existing;
    const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(FIRST_PARTY_SCOPE);
    grant.addOIDCClaims(['sub', 'email', 'email_verified', 'name']);
    await grant.save();
    return grant;
  },

  // Like Cognito, hand out a refresh token whenever the client may use one, so the RP's
  // refresh and revoke-on-sign-out paths run too (the default wants offline_access).
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),

  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    revocation: { enabled: true },
  },

  // Cookies ignore ports, so the OP and the RP on 127.0.0.1 share one cookie jar: use
  // names nothing in the RP uses. Over plain http the library leaves `secure` off.
  cookies: {
    names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_interaction_resume' },
    long: { httpOnly: true, sameSite: 'lax', secure: false },
    short: { httpOnly: true, sameSite: 'lax', secure: false },
  },
};

const provider = new Provider(ISSUER, configuration);

// Failures show up in the test log (stderr) instead of only as an error page.
for (const event of ['server_error', 'authorization.error', 'grant.error', 'end_session.error',
  'revocation.error', 'userinfo.error', 'discovery.error', 'jwks.error', 'interaction.error']) {
  provider.on(event, (ctx, error) => {
    console.error(`oidc-provider ${event}: ${error.name}: ${error.message}`
      + (error.error_description ? ` (${error.error_description})` : ''));
  });
}

const server = provider.listen(PORT, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on ${ISSUER}\n`);
});
server.on('error', (error) => {
  console.error(`oidc-provider fixture: ${error.message}`);
  process.exit(1);
});

function stop() {
  server.close(() => process.exit(0));
  // Browsers keep connections alive; don't wait for them to go idle.
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
