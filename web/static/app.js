// Progressive extras only: the pages work fully without this file.
// Copy buttons for citations are hidden in the HTML and revealed here, where the clipboard is available.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(
        function () { button.textContent = "已复制"; },
        function () { button.textContent = "复制失败，请手动选择"; }
      );
    });
  });
});
