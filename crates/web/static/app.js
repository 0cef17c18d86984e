// Lành Mạng: the only script. Everything works without it; it adds confirmations before
// actions that cannot be undone in one click.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
