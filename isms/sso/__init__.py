"""Single sign-on with OpenID Connect: one connection per organisation (issue 18).

- `connection`: an admin saves the organisation's IdP (discovery, URL checks, the encrypted
  client secret, e-mail domains, the role of new members, whether password log-in remains).
- `flow`: the authorization-code flow with state, nonce and PKCE (mozilla-django-oidc's
  helpers and token/JWKS code, with the issuer and audience checked here), and the mapping
  of the signed-in person to an account and a membership of that organisation only.
- `session`: a session opened through organisation B's IdP opens only B; an organisation
  that requires SSO is entered only with a session opened through its own IdP.
"""
