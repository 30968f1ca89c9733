// Small enhancements; every page works without them.
(() => {
  'use strict';

  // Copy buttons next to commands (shown only when the script runs).
  function copyButtons(root) {
    for (const button of root.querySelectorAll('button.copy')) {
      if (!button.hidden) continue; // already set up
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
  }
  copyButtons(document);

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

  // ---- live grading (npm start only) ------------------------------------------
  // The server fills in its token; a static copy of the site has none and stops here.
  const meta = document.querySelector('meta[name="socket-kit-live"]');
  const token = meta && meta.getAttribute('content');
  if (!token || !window.EventSource || !window.fetch) return;
  const api = (path) => `/api/${path}?token=${encodeURIComponent(token)}`;

  // One polite voice for news, outside the parts of the page that get replaced.
  const announcer = document.createElement('div');
  announcer.className = 'visually-hidden';
  announcer.setAttribute('aria-live', 'polite');
  document.body.append(announcer);
  const say = (text) => (announcer.textContent = text);

  const bySlug = (sel, slug) => [...document.querySelectorAll(sel)].filter((e) => e.getAttribute('data-lab') === slug);
  const progress = new Map(); // slug → { done, failed }

  function enhance(root) {
    for (const b of root.querySelectorAll('button.grade-now')) b.hidden = false;
  }
  enhance(document);

  document.addEventListener('click', async (ev) => {
    const button = ev.target instanceof Element && ev.target.closest('button.grade-now');
    if (!button) return;
    const slug = button.getAttribute('data-lab');
    button.disabled = true;
    try {
      const res = await fetch(api(`grade/${slug}`), { method: 'POST' });
      if (!res.ok) throw new Error(await res.text());
    } catch (e) {
      button.disabled = false;
      for (const p of bySlug('.grade-controls', slug)) p.querySelector('.grade-progress').textContent = `Could not start a grade: ${e.message}`;
    }
  });

  function started(slug, reason) {
    progress.set(slug, { done: 0, failed: 0 });
    for (const b of bySlug('button.grade-now', slug)) {
      b.disabled = true;
      b.textContent = 'Grading…';
    }
    for (const c of bySlug('.grade-controls', slug)) {
      c.querySelector('.grade-progress').textContent = reason === 'save' ? 'A file of the lab changed: running its tests again…' : 'Running the lab’s tests…';
      let box = c.nextElementSibling;
      if (!box || !box.classList.contains('live-grade')) {
        box = document.createElement('div');
        box.className = 'live-grade';
        box.innerHTML = '<ol class="live-tests"></ol><div class="live-failures"></div>';
        c.after(box);
      }
      box.querySelector('.live-tests').replaceChildren();
      box.querySelector('.live-failures').replaceChildren();
    }
    for (const card of bySlug('.lab-card', slug)) card.classList.add('grading');
  }

  function tested(d) {
    const p = progress.get(d.slug) || { done: 0, failed: 0 };
    p.done++;
    if (!d.passed) p.failed++;
    progress.set(d.slug, p);
    for (const c of bySlug('.grade-controls', d.slug)) {
      c.querySelector('.grade-progress').textContent = `Running the lab’s tests: ${p.done} done${p.failed ? `, ${p.failed} failed` : ''}`;
      const box = c.nextElementSibling;
      if (!box || !box.classList.contains('live-grade')) continue;
      box.querySelector('.live-tests').insertAdjacentHTML('beforeend', d.line);
      if (d.failure) box.querySelector('.live-failures').insertAdjacentHTML('beforeend', d.failure);
    }
  }

  // A finished grade: the server renders the page again, and the parts that show grades are swapped in.
  async function refresh(slug, note) {
    const onDashboard = document.body.classList.contains('home');
    const onLab = bySlug('#last-grade', slug).length > 0;
    if (!onDashboard && !onLab) return;
    try {
      const res = await fetch(location.pathname, { credentials: 'same-origin' });
      if (!res.ok) return;
      const fresh = new DOMParser().parseFromString(await res.text(), 'text/html');
      const swap = (sel) => {
        const now = document.querySelector(sel);
        const next = fresh.querySelector(sel);
        if (now && next) now.replaceWith(document.importNode(next, true));
      };
      if (onDashboard) swap('main');
      else ['#last-grade', '.status'].forEach(swap);
      enhance(document);
      copyButtons(document);
      say(note);
    } catch {
      /* the next grade or a reload shows it */
    }
  }

  const events = new EventSource(api('events'));
  const data = (ev) => JSON.parse(ev.data);
  events.addEventListener('hello', (ev) => data(ev).busy.forEach((slug) => started(slug, 'button')));
  events.addEventListener('grading', (ev) => {
    const d = data(ev);
    started(d.slug, d.reason);
  });
  events.addEventListener('test', (ev) => tested(data(ev)));
  events.addEventListener('graded', (ev) => {
    const d = data(ev);
    progress.delete(d.slug);
    void refresh(d.slug, `Lab ${d.slug.slice(0, 2)} graded: ${d.score}/${d.max}${d.full ? ', full marks' : ''}.`);
  });
  events.addEventListener('grade-error', (ev) => {
    const d = data(ev);
    for (const b of bySlug('button.grade-now', d.slug)) {
      b.disabled = false;
      b.textContent = 'Grade now';
    }
    for (const c of bySlug('.grade-controls', d.slug)) c.querySelector('.grade-progress').textContent = `The grader failed: ${d.message}`;
  });
})();
