/* The home page of a relay without a domain name: ask the relay for a new chat profile and
 * show its dclogin: link as the button and as a QR code.
 *
 * Such a relay has no fixed invite (its certificate is self-signed), so its /new answers
 * each request with a fresh account as JSON, holding the link under `dclogin_url`. The QR
 * code is drawn by the qrcode-generator library, loaded before this file.
 */
(function () {
  "use strict";

  var DCLOGIN_SCHEME = /^dclogin:/i;

  function show(element) {
    element.hidden = false;
  }

  function drawQrCode(target, text) {
    var code = qrcode(0, "M"); // 0: the smallest version that holds the text
    code.addData(text, "Byte");
    code.make();
    target.innerHTML = code.createSvgTag({ cellSize: 4, margin: 16, scalable: true });
  }

  function showProfile(url) {
    var link = document.getElementById("dclogin-link");
    var qrLink = document.getElementById("dclogin-qr");
    link.href = url;
    qrLink.href = url;
    drawQrCode(qrLink, url);
    show(link.parentElement);
    show(qrLink.parentElement);
    document.getElementById("dclogin-status").hidden = true;
    document.getElementById("dclogin-manual").hidden = true;
  }

  function start() {
    var box = document.getElementById("dclogin");
    if (!box) {
      return;
    }
    var status = document.getElementById("dclogin-status");
    status.textContent = box.dataset.waiting;
    fetch(box.dataset.newUrl, { method: "GET", cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (account) {
        var url = account && account.dclogin_url;
        // Only a dclogin: link may become the button's target, never a script URL.
        if (typeof url !== "string" || !DCLOGIN_SCHEME.test(url)) {
          throw new Error("no dclogin_url in the answer");
        }
        showProfile(url);
      })
      .catch(function () {
        status.textContent = box.dataset.failed;
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
