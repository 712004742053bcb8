// Lets a reader narrow the relay list to a country or a community language.
// Without JavaScript the filter stays hidden and the whole list is shown. The default relay
// is never hidden: it is the one every app offers first.
(function () {
  "use strict";
  var directories = document.querySelectorAll(".relay-directory");
  for (var i = 0; i < directories.length; i++) {
    setUp(directories[i]);
  }

  function setUp(directory) {
    var filter = directory.querySelector(".relay-filter");
    if (!filter) {
      return;
    }
    filter.hidden = false;
    filter.addEventListener("change", function () {
      apply(directory, filter);
    });
  }

  function wanted(filter, name) {
    var field = filter.querySelector('select[name="' + name + '"]');
    return field ? field.value : "";
  }

  function matches(entry, attribute, value) {
    if (!value) {
      return true;
    }
    var values = (entry.getAttribute(attribute) || "").split(" ");
    return values.indexOf(value) !== -1;
  }

  function apply(directory, filter) {
    var country = wanted(filter, "country");
    var language = wanted(filter, "language");
    var groups = directory.querySelectorAll(".relay-group");
    for (var g = 0; g < groups.length; g++) {
      var entries = groups[g].querySelectorAll(".relay-entry");
      var visible = 0;
      for (var e = 0; e < entries.length; e++) {
        var entry = entries[e];
        var shown =
          entry.classList.contains("relay-default") ||
          (matches(entry, "data-countries", country) && matches(entry, "data-languages", language));
        entry.hidden = !shown;
        if (shown) {
          visible += 1;
        }
      }
      groups[g].hidden = visible === 0;
    }
  }
})();
