// inboxd web inbox: live updates and keyboard shortcuts. Every page works
// without this script; it only makes the pages live and quicker to drive.
(() => {
	'use strict';
	const body = document.body;
	const page = body.dataset.page;
	const csrf = body.dataset.csrf || '';
	const $ = (s, el) => (el || document).querySelector(s);
	const $$ = (s, el) => Array.from((el || document).querySelectorAll(s));

	// Inline styles are refused by the page's policy: label colours are set here.
	function paint(root) {
		$$('.dot[data-color]', root).forEach(d => {
			if (/^#[0-9a-f]{3,8}$/i.test(d.dataset.color)) d.style.background = d.dataset.color;
		});
		// A snooze time is the browser's local time: send its offset along.
		$$('[data-tz]', root).forEach(i => { i.value = String(new Date().getTimezoneOffset()); });
	}
	paint(document);
	if (matchMedia('(min-width: 761px)').matches) $$('details.more').forEach(d => { d.open = true; });

	document.addEventListener('change', e => {
		const t = e.target;
		if (t.matches('select[data-autosubmit]')) t.form.requestSubmit();
		if (t.matches('select[data-canned]') && t.value) {
			const area = $('#content');
			const at = area.selectionStart ?? area.value.length;
			area.value = area.value.slice(0, at) + t.value + area.value.slice(area.selectionEnd ?? at);
			t.value = '';
			area.focus();
		}
	});

	// Help
	const help = $('#help');
	function toggleHelp() {
		if (!help) return;
		if (help.open) help.close(); else help.showModal();
	}
	document.addEventListener('click', e => {
		if (e.target.closest('[data-help]')) toggleHelp();
		if (e.target.closest('#fresh')) location.reload();
	});

	// Keyboard
	document.addEventListener('keydown', e => {
		const t = e.target;
		if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && t.id === 'content') {
			e.preventDefault();
			t.form.requestSubmit();
			return;
		}
		if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
		if (t.closest('input, textarea, select, [contenteditable]')) {
			if (e.key === 'Escape') t.blur();
			return;
		}
		if (help && help.open) return;
		switch (e.key) {
		case 'j': move(1); break;
		case 'k': move(-1); break;
		case 'r': reply(); break;
		case 'e': resolve(); break;
		case 'u': back(); break;
		case '?': toggleHelp(); break;
		default: return;
		}
		e.preventDefault();
	});

	function items() { return page === 'list' ? $$('#convs > .conv') : $$('#msgs > .msg'); }

	function move(step) {
		const list = items();
		if (!list.length) return;
		let i = list.findIndex(el => el.classList.contains('sel'));
		if (i < 0) i = step > 0 ? (page === 'list' ? -1 : list.length - 2) : (page === 'list' ? 1 : list.length);
		i = Math.max(0, Math.min(list.length - 1, i + step));
		list.forEach(el => el.classList.remove('sel'));
		const el = list[i];
		el.classList.add('sel');
		(page === 'list' ? el.querySelector('a') : el).focus({ preventScroll: true });
		el.scrollIntoView({ block: 'nearest' });
	}

	function reply() {
		const c = $('#content');
		if (!c) return;
		c.focus();
		c.scrollIntoView({ block: 'nearest' });
	}

	function resolve() {
		const f = $('#resolve-form');
		if (f) f.requestSubmit();
	}

	function back() {
		const b = $('[data-back]');
		if (b) location.href = b.href;
	}

	// The thread opens at its newest message.
	const msgs = $('#msgs');
	function lastVisible() {
		const last = msgs && msgs.lastElementChild;
		if (!last) return true;
		const r = last.getBoundingClientRect();
		const box = msgs.scrollHeight > msgs.clientHeight ? msgs.getBoundingClientRect() : { bottom: innerHeight };
		return r.top < box.bottom;
	}
	function toNewest() {
		const last = msgs && msgs.lastElementChild;
		if (last) last.scrollIntoView({ block: 'end' });
	}
	if (msgs && !location.hash) toNewest();

	// Live updates
	const live = $('#live');
	function state(text, on) {
		if (!live) return;
		live.textContent = text;
		live.dataset.state = on ? 'on' : 'off';
	}
	const src = body.dataset.live;
	if (src && window.EventSource) {
		const es = new EventSource(src);
		state('Connecting…');
		es.onopen = () => state('Live', true);
		// EventSource reconnects by itself, sending the last position it saw.
		es.onerror = () => state(es.readyState === EventSource.CLOSED ? 'Offline: reload the page' : 'Reconnecting…');
		es.addEventListener('reload', () => location.reload());
		es.addEventListener('signout', () => { location.href = '/signin'; });
		es.onmessage = e => apply(JSON.parse(e.data));
		addEventListener('pagehide', () => es.close());
	}

	let pendingDetails = null;
	const details = $('#details');
	if (details) {
		details.addEventListener('focusout', () => {
			setTimeout(() => {
				if (pendingDetails !== null && !details.contains(document.activeElement)) {
					setDetails(pendingDetails.html, pendingDetails.sum);
				}
			});
		});
	}
	function setDetails(html, sum) {
		if (sum && details.dataset.sum === sum) {
			pendingDetails = null; // what the page shows already
			return;
		}
		const busy = details.contains(document.activeElement) && document.activeElement !== document.body;
		if (busy) {
			pendingDetails = { html, sum }; // never pull a control from under the user
			return;
		}
		pendingDetails = null;
		details.innerHTML = html;
		details.dataset.sum = sum || '';
		paint(details);
	}

	function apply(u) {
		if (page === 'list') {
			const row = document.getElementById('conv-' + u.conv);
			if (u.removed) {
				if (row) row.classList.add('gone');
				return;
			}
			if (!row) {
				if (!u.match) return; // not on this page: another filter's, or an older page's
				const list = $('#convs');
				if (!list) {
					$('#fresh').hidden = false; // an empty list: shown in its place
					return;
				}
				// Newest first: at the top. A reader scrolled down keeps
				// the rows in view (the browser anchors the scroll).
				list.insertAdjacentHTML('afterbegin', u.row);
				paint(list.firstElementChild);
				return;
			}
			const sel = row.classList.contains('sel');
			const focused = row.contains(document.activeElement);
			row.insertAdjacentHTML('afterend', u.row);
			const fresh = row.nextElementSibling;
			row.remove();
			if (sel) fresh.classList.add('sel');
			if (focused) fresh.querySelector('a').focus({ preventScroll: true });
			paint(fresh);
			return;
		}
		if (page !== 'conversation') return;
		if (u.removed) {
			location.reload();
			return;
		}
		if (u.details && details) setDetails(u.details, u.sum);
		const follow = lastVisible();
		let incoming = false;
		for (const m of u.messages || []) {
			const old = document.getElementById('m' + m.id);
			if (old) {
				old.insertAdjacentHTML('afterend', m.html);
				old.remove();
			} else {
				msgs.insertAdjacentHTML('beforeend', m.html);
				incoming = incoming || m.incoming;
			}
		}
		if (follow && u.messages) toNewest();
		if (incoming && document.visibilityState === 'visible') {
			const form = $('#compose');
			fetch(form.action.replace(/\/messages$/, '/seen'), {
				method: 'POST', headers: { 'X-CSRF-Token': csrf, 'X-Requested-With': 'fetch' }, credentials: 'same-origin',
			});
		}
	}
})();
