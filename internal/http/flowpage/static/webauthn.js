// usher flow pages: the WebAuthn ceremony. The page's form
// (#webauthn-form) carries the options the server made (data-options); this
// script hands them to navigator.credentials, puts the browser's answer in
// the form's hidden field (data-field) and submits it. The server verifies
// everything; this only translates between JSON and the browser's buffers.
(function () {
  "use strict";
  var form = document.getElementById("webauthn-form");
  if (!form) return;
  var button = document.getElementById("webauthn-start");
  var unsupported = document.getElementById("webauthn-unsupported");
  if (!window.PublicKeyCredential || !navigator.credentials) {
    unsupported.hidden = false;
    button.disabled = true;
    return;
  }

  function toBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function toB64(buf) {
    if (!buf) return null;
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creds(list) {
    return (list || []).map(function (c) {
      var d = { type: c.type, id: toBuf(c.id) };
      if (c.transports) d.transports = c.transports;
      return d;
    });
  }

  var mode = form.getAttribute("data-mode");
  var field = form.querySelector('input[name="' + form.getAttribute("data-field") + '"]');

  function run() {
    var o = JSON.parse(form.getAttribute("data-options"));
    o.challenge = toBuf(o.challenge);
    var p;
    if (mode === "create") {
      o.user.id = toBuf(o.user.id);
      o.excludeCredentials = creds(o.excludeCredentials);
      p = navigator.credentials.create({ publicKey: o }).then(function (c) {
        return {
          id: c.id, rawId: toB64(c.rawId), type: c.type,
          authenticatorAttachment: c.authenticatorAttachment || undefined,
          clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
          response: {
            clientDataJSON: toB64(c.response.clientDataJSON),
            attestationObject: toB64(c.response.attestationObject),
            transports: c.response.getTransports ? c.response.getTransports() : []
          }
        };
      });
    } else {
      o.allowCredentials = creds(o.allowCredentials);
      p = navigator.credentials.get({ publicKey: o }).then(function (c) {
        return {
          id: c.id, rawId: toB64(c.rawId), type: c.type,
          authenticatorAttachment: c.authenticatorAttachment || undefined,
          clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
          response: {
            clientDataJSON: toB64(c.response.clientDataJSON),
            authenticatorData: toB64(c.response.authenticatorData),
            signature: toB64(c.response.signature),
            userHandle: toB64(c.response.userHandle)
          }
        };
      });
    }
    button.disabled = true;
    p.then(function (answer) {
      field.value = JSON.stringify(answer);
      form.submit();
    }, function () {
      // Cancelled or refused by the browser: let the person try again.
      button.disabled = false;
    });
  }
  button.addEventListener("click", run);
})();
