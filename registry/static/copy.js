// The install command's copy button. The page works without it: the command is plain text.
// Loaded as a file because the Content-Security-Policy forbids inline script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("copy-install");
  var command = document.getElementById("install-command");
  if (!button || !command) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = command.textContent.trim();
    var done = function () {
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { select(command); });
    } else {
      select(command);
      try { if (document.execCommand("copy")) done(); } catch (e) { /* selected: Ctrl+C works */ }
    }
  });
  function select(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
});
