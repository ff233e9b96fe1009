// The console's only script (docs/ARCHITECTURE.md, "The console"): progressive enhancement.
// Every page works without it; it adds what a timer or a refresh does better.
'use strict';
(function () {
  // A session past its end: leave the page (and the data on it) for the sign-in.
  var expires = document.querySelector('[data-expires-at]');
  if (expires) {
    var end = Date.parse(expires.getAttribute('data-expires-at'));
    if (!isNaN(end)) {
      setTimeout(
        function () {
          window.location.replace('/sign-in?ended=1');
        },
        Math.max(0, end - Date.now()) + 1000,
      );
    }
  }

  // A consultation shown for a limited time: afterwards the data leaves the page.
  document.querySelectorAll('[data-expires-in]').forEach(function (block) {
    var seconds = Number(block.getAttribute('data-expires-in'));
    if (!(seconds > 0)) return;
    setTimeout(function () {
      var text = block.getAttribute('data-expired-text') || '';
      while (block.firstChild) block.removeChild(block.firstChild);
      var p = document.createElement('p');
      p.textContent = text;
      block.appendChild(p);
      block.setAttribute('data-expired', 'true');
    }, seconds * 1000);
  });

  // Live progress: the block is fetched again every few seconds and replaced in place.
  document.querySelectorAll('[data-poll]').forEach(function (block) {
    var seconds = Number(block.getAttribute('data-poll')) || 5;
    var id = block.id;
    if (!id) return;
    var timer = setInterval(function () {
      // The page to fetch again: its own address, unless it is the answer to a form (data-poll-url).
      fetch(block.getAttribute('data-poll-url') || window.location.pathname + window.location.search, {
        credentials: 'same-origin',
        headers: { Accept: 'text/html' },
      })
        .then(function (response) {
          if (response.redirected || !response.ok) {
            clearInterval(timer);
            return null;
          }
          return response.text();
        })
        .then(function (text) {
          if (!text) return;
          var fresh = new DOMParser().parseFromString(text, 'text/html').getElementById(id);
          if (!fresh) return;
          block.innerHTML = fresh.innerHTML;
          if (!fresh.hasAttribute('data-poll')) {
            block.removeAttribute('data-poll');
            clearInterval(timer);
          }
        })
        .catch(function () {
          clearInterval(timer);
        });
    }, seconds * 1000);
  });

  // A link to follow at once (after single sign-on): a navigation that starts on this site.
  var follow = document.querySelector('a[data-follow]');
  if (follow) window.location.replace(follow.getAttribute('href'));
})();
