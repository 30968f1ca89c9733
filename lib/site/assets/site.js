// Small enhancements; every page works without them.
(() => {
  'use strict';

  // Copy buttons next to commands (shown only when the script runs).
  for (const button of document.querySelectorAll('button.copy')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const text = button.getAttribute('data-copy') || '';
      let done = false;
      try {
        await navigator.clipboard.writeText(text);
        done = true;
      } catch {
        // No clipboard (a plain-http host): select the command so Ctrl+C copies it.
        const code = button.parentElement && button.parentElement.querySelector('code');
        if (code) window.getSelection().selectAllChildren(code);
      }
      const was = button.textContent;
      button.textContent = done ? 'Copied' : 'Press Ctrl+C';
      setTimeout(() => (button.textContent = was), 1500);
    });
  }

  // On a narrow screen the table of contents starts folded, above the lesson.
  // On a wide one it is a sidebar that stays open (its summary is only a heading there).
  const toc = document.querySelector('details.toc');
  const narrow = window.matchMedia('(max-width: 63.99rem)');
  if (toc) {
    toc.open = !narrow.matches;
    narrow.addEventListener('change', () => (toc.open = !narrow.matches));
  }

  // Mark the section being read in the table of contents: the last heading above the top fifth.
  const links = [...document.querySelectorAll('.toc a[href^="#"]')];
  const targets = links.map((a) => document.getElementById(decodeURIComponent(a.hash.slice(1))));
  if (links.length && targets.every(Boolean)) {
    let queued = false;
    const mark = () => {
      queued = false;
      const line = window.innerHeight / 5;
      let current = -1;
      targets.forEach((t, i) => { if (t.getBoundingClientRect().top < line) current = i; });
      links.forEach((a, i) => (i === current ? a.setAttribute('aria-current', 'true') : a.removeAttribute('aria-current')));
    };
    window.addEventListener('scroll', () => { if (!queued) { queued = true; requestAnimationFrame(mark); } }, { passive: true });
    mark();
  }
})();
