// Sends a visitor of the site root to the best language their browser asks for.
// The page lists every language as a plain link, so it also works without JavaScript.
(function () {
  "use strict";
  var links = document.querySelectorAll("#language-list a[data-language]");
  var available = {};
  for (var i = 0; i < links.length; i++) {
    available[links[i].getAttribute("data-language").toLowerCase()] = links[i].getAttribute("href");
  }
  var wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  for (var j = 0; j < wanted.length; j++) {
    var tag = String(wanted[j]).toLowerCase();
    var candidates = [tag, tag.split("-")[0]];
    for (var k = 0; k < candidates.length; k++) {
      if (Object.prototype.hasOwnProperty.call(available, candidates[k])) {
        window.location.replace(available[candidates[k]]);
        return;
      }
    }
  }
})();
