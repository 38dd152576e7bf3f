// Passkey registration and sign-in on the emulator's pages (devidp/passkeys.py). A form with
// data-passkey="create" or "get" fetches the server's options (JSON, binary fields in base64url),
// asks the browser's authenticator, and posts the answer, in the same JSON shape, as `credential`.
"use strict";

(() => {
  const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const base64url = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const descriptors = (list) => (list || []).map((credential) => ({ ...credential, id: bytes(credential.id) }));

  function publicKey(options, ceremony) {
    const key = { ...options, challenge: bytes(options.challenge) };
    if (ceremony === "create") {
      key.user = { ...options.user, id: bytes(options.user.id) };
      key.excludeCredentials = descriptors(options.excludeCredentials);
    } else {
      key.allowCredentials = descriptors(options.allowCredentials);
    }
    return key;
  }

  function answer(credential) {
    const given = credential.response;
    const response = { clientDataJSON: base64url(given.clientDataJSON) };
    if (given.attestationObject) {
      response.attestationObject = base64url(given.attestationObject);
      response.transports = given.getTransports ? given.getTransports() : [];
    } else {
      response.authenticatorData = base64url(given.authenticatorData);
      response.signature = base64url(given.signature);
      if (given.userHandle) response.userHandle = base64url(given.userHandle);
    }
    return {
      id: credential.id,
      rawId: base64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response,
    };
  }

  async function run(form) {
    if (!window.PublicKeyCredential) throw new Error("This browser offers passkeys only on https or http://localhost.");
    const ceremony = form.dataset.passkey;
    const username = document.getElementById("signInFormUsername");
    const fetched = await fetch(form.dataset.optionsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.elements.csrf_token.value },
      body: JSON.stringify({ username: username ? username.value : "" }),
    });
    const options = await fetched.json();
    if (!fetched.ok) throw new Error(options.error_description || "The passkey options could not be loaded.");
    const credential = await navigator.credentials[ceremony]({ publicKey: publicKey(options, ceremony) });
    form.elements.credential.value = JSON.stringify(answer(credential));
    form.submit();
  }

  for (const form of document.querySelectorAll("form[data-passkey]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(form).catch((error) => {
        const shown = form.querySelector("[data-passkey-error]");
        shown.textContent = error.message;
        shown.hidden = false;
      });
    });
  }
})();
