/* The weights' sum as the user types; the server checks it again on saving. */
(function () {
  var form = document.querySelector('form.scorecard-edit');
  var output = document.getElementById('weight-total');
  if (!form || !output) { return; }
  function update() {
    var total = 0;
    form.querySelectorAll('input[data-weight]').forEach(function (input) {
      var row = input.closest('tr');
      var removed = row && row.querySelector('input[type="checkbox"][name$="-DELETE"]');
      var chosen = row && row.querySelector('select');
      var value = parseFloat(input.value);
      if (!isNaN(value) && !(removed && removed.checked) && chosen && chosen.value) { total += value; }
    });
    total = Math.round(total * 100) / 100;
    output.textContent = String(total);
    output.setAttribute('data-ok', total === 100 ? 'true' : 'false');
  }
  function unit(select) {
    var cell = form.querySelector('[data-unit-for="' + select.id + '"]');
    var option = select.options[select.selectedIndex];
    if (cell && option) {
      var lower = option.getAttribute('data-lower-better') === 'true';
      cell.textContent = (option.getAttribute('data-unit') || '') +
        (lower ? ' ' + cell.closest('table').getAttribute('data-lower-text') : '');
    }
  }
  form.addEventListener('input', update);
  form.addEventListener('change', function (event) {
    update();
    if (event.target.tagName === 'SELECT') { unit(event.target); }
  });
  update();
})();
