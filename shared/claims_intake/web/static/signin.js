// Cognito hosted UI sign-in with the authorization code grant and PKCE (RFC 7636, S256). The ID token
// comes from the token endpoint in a POST answer, never through the URL (no token in history, logs or
// a Referer), and a stolen code is useless without the verifier this tab kept in sessionStorage.
"use strict";

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(length) {
  return base64url(crypto.getRandomValues(new Uint8Array(length)));
}

// The ID token of a signed-in tab; otherwise redeems the code Cognito sent back, or starts sign-in
// (the browser leaves the page: null is returned).
async function cognitoIdToken({ cognitoDomain, clientId }) {
  const kept = sessionStorage.getItem("idToken");
  if (kept) return kept;
  const back = location.origin + location.pathname;
  const query = new URLSearchParams(location.search);
  const verifier = sessionStorage.getItem("pkceVerifier");
  const expectedState = sessionStorage.getItem("pkceState");
  sessionStorage.removeItem("pkceVerifier");
  sessionStorage.removeItem("pkceState");
  if (query.get("code") && verifier && query.get("state") === expectedState) {
    history.replaceState(null, "", location.pathname);
    const response = await fetch(`${cognitoDomain}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code", client_id: clientId, code: query.get("code"),
        redirect_uri: back, code_verifier: verifier,
      }),
    });
    if (response.ok) {
      const tokens = await response.json();
      sessionStorage.setItem("idToken", tokens.id_token);
      return tokens.id_token;
    }
  }
  const newVerifier = randomText(48);
  const newState = randomText(16);
  sessionStorage.setItem("pkceVerifier", newVerifier);
  sessionStorage.setItem("pkceState", newState);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(newVerifier));
  location.assign(`${cognitoDomain}/oauth2/authorize?` + new URLSearchParams({
    response_type: "code", client_id: clientId, redirect_uri: back, scope: "openid email",
    code_challenge_method: "S256", code_challenge: base64url(new Uint8Array(digest)), state: newState,
  }));
  return null;
}
