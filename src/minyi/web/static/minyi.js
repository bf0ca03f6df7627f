// Minyi: the only script. The pages work without it; it narrows the community list to the
// chosen street so a phone user does not scroll through ninety communities.
document.addEventListener("DOMContentLoaded", function () {
  var street = document.getElementById("street");
  var community = document.getElementById("community");
  if (!street || !community) return;
  function narrow() {
    var groups = community.querySelectorAll("optgroup");
    groups.forEach(function (g) {
      var show = !street.value || g.getAttribute("data-street") === street.value;
      g.hidden = !show;
      g.disabled = !show;
    });
    var chosen = community.options[community.selectedIndex];
    if (chosen && chosen.parentElement.disabled) community.value = "";
  }
  street.addEventListener("change", narrow);
  narrow();
});
