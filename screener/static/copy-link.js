// Progressive enhancement for the started page: a button that copies the private link.
// Without JavaScript (or a clipboard) the button stays hidden and the link is plain text.
(function () {
  "use strict";
  var button = document.getElementById("copy-link");
  var status = document.getElementById("copy-status");
  if (!button || !status || !navigator.clipboard || !window.isSecureContext) {
    return;
  }
  var link = document.getElementById(button.getAttribute("data-target"));
  if (!link) {
    return;
  }
  button.parentNode.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(link.href).then(
      function () {
        status.textContent = "Link copied. Paste it somewhere safe.";
      },
      function () {
        status.textContent = "Could not copy. Select the link and copy it instead.";
      }
    );
  });
})();
