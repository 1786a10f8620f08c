/* tei-build edition: the "Copy" buttons of the Cite box. The plain citation in
   data-copy goes to the clipboard; where there is none, the citation is selected
   so that Ctrl+C copies it. Without JavaScript the citation is ordinary text. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.cite-copy");
    if (!button) { return; }
    var done = function () { button.textContent = button.getAttribute("data-label-done"); };
    var select = function () {
      var range = document.createRange();
      range.selectNodeContents(button.previousElementSibling);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(done, select);
    } else {
      select();
    }
  });
}());
