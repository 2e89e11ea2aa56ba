(() => {
'use strict';
const d = document, n = navigator, mk = t => d.createElement(t);
const all = (s, f) => d.querySelectorAll(s).forEach(f);
const track = u => u && (n.sendBeacon && n.sendBeacon(u) || fetch(u, {method: 'POST', keepalive: true}).catch(() => {}));
all('[data-countdown]', el => {
  const end = Date.parse(el.dataset.countdown), box = el.querySelector('.countdown');
  if (!(box && end > Date.now())) return;
  const tick = () => {
    const s = Math.max(0, Math.ceil((end - Date.now()) / 1e3)), v = [s / 86400, s / 3600 % 24, s / 60 % 60, s % 60];
    box.querySelectorAll('b').forEach((b, i) => b.textContent = String(v[i] | 0).padStart(2, '0'));
    if (!s) { clearInterval(t); location.reload(); }
  };
  const t = setInterval(tick, 1e3);
  tick(); box.hidden = false;
});
all('button[data-share]', btn => {
  const o = btn.dataset, url = o.shareUrl || location.href, st = d.querySelector('[data-share-status]');
  const say = m => st && (st.textContent = m);
  const done = () => { say('Link copied'); track(o.track); };
  const legacy = () => {
    const i = mk('input');
    i.value = url; i.readOnly = true; i.style.position = 'fixed';
    d.body.append(i); i.select(); i.setSelectionRange(0, 1e4);
    let ok; try { ok = d.execCommand('copy'); } catch (e) {}
    i.remove(); ok ? done() : say('Copy this link: ' + url);
  };
  const copy = () => n.clipboard ? n.clipboard.writeText(url).then(done, legacy) : legacy();
  btn.hidden = false;
  btn.addEventListener('click', () => {
    say('');
    n.share ? n.share({title: o.shareTitle || d.title, text: o.shareText, url})
      .then(() => track(o.track), e => e.name != 'AbortError' && copy()) : copy();
  });
});
all('button[data-copy]', btn => {
  const st = d.querySelector('[data-copy-status]'), say = m => st && (st.textContent = m);
  btn.hidden = false;
  btn.addEventListener('click', () => {
    const v = btn.dataset.copy, legacy = () => {
      const i = d.querySelector('.copy-link'); let ok;
      if (i) { i.select(); i.setSelectionRange(0, 1e4); try { ok = d.execCommand('copy'); } catch (e) {} }
      say(ok ? 'Link copied: now paste it into your browser' : 'Select the link above and copy it');
    };
    n.clipboard ? n.clipboard.writeText(v).then(() => say('Link copied: now paste it into your browser'), legacy) : legacy();
  });
});
all('a.video[data-video-embed]', a => a.addEventListener('click', e => {
  e.preventDefault();
  const f = mk('iframe'), box = mk('div'), o = a.dataset;
  Object.entries({allow: 'autoplay; encrypted-media; picture-in-picture', allowfullscreen: '',
    title: o.videoTitle || 'Video', loading: 'lazy', src: o.videoEmbed + '?autoplay=1'})
    .forEach(([k, v]) => f.setAttribute(k, v));
  box.className = 'video'; box.append(f);
  a.replaceWith(box); f.focus(); track(o.track);
}));
all('input[data-remember]', box => {
  const apply = () => all('a[data-clickout]', a => {
    const u = new URL(a.href);
    box.checked ? u.searchParams.set('remember', 1) : u.searchParams.delete('remember');
    a.href = u;
  });
  (box.closest('.remember') || box).hidden = false;
  box.addEventListener('change', apply); apply();
});
})();
