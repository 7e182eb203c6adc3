// Progressive enhancement for the YAML editor: a problem's "Line N" link also puts the
// cursor on that line of the text box and selects it. Without JavaScript the link goes
// to the numbered listing below the editor instead.
(function () {
  "use strict";
  var editor = document.getElementById("source");
  if (!editor) {
    return;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#L']") : null;
    var line = link ? parseInt(link.getAttribute("href").slice(2), 10) : NaN;
    if (!(line > 0)) {
      return;
    }
    var lines = editor.value.split("\n");
    if (line > lines.length) {
      return;
    }
    event.preventDefault();
    var start = lines.slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
    editor.focus();
    editor.setSelectionRange(start, start + lines[line - 1].length);
    // Scroll the text box so that the line is in view.
    var height = editor.scrollHeight / lines.length;
    editor.scrollTop = Math.max(0, (line - 3) * height);
  });
})();
