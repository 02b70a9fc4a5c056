"""The invited peer's page: one Jinja2 template and its style sheet, kept in Python so the page
ships wherever the package does (wheel, PyInstaller bundle) without data files.

Autoescaping is on for every template (desktop.backend.web.join builds the environment): every
value the page shows (addresses, display names, typed input, reason sentences) is escaped.
"""

from __future__ import annotations

JOIN_CSS = """
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #d8dde6;
  --accent: #1f5fbf; --ok: #1b7a3d; --bad: #a4262c; --bg: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, "DejaVu Sans", sans-serif; color: var(--ink);
  background: var(--bg); }
main { max-width: 34rem; margin: 2.5rem auto; padding: 2rem; background: #fff;
  border: 1px solid var(--line); border-radius: 12px; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p.lead { color: var(--muted); margin: 0 0 1rem; }
.status { padding: .75rem 1rem; border-radius: 8px; margin: 1rem 0; border: 1px solid var(--line); }
.status:empty { padding: 0; margin: 0; border: 0; }
.status.error { border-color: var(--bad); color: var(--bad); background: #fdf3f3; }
.status.done { border-color: var(--ok); color: var(--ok); background: #f1f8f3; }
.status.info { border-color: var(--accent); background: #f2f6fc; }
ol.steps { list-style: none; padding: 0; margin: 0; }
ol.steps li { padding: .4rem 0 .4rem 2rem; position: relative; }
ol.steps li::before { content: ""; position: absolute; left: 0; top: .55rem; width: 1.1rem;
  height: 1.1rem; border-radius: 50%; border: 2px solid var(--line); }
ol.steps li.done::before { background: var(--ok); border-color: var(--ok); }
ol.steps li.current { font-weight: 600; }
ol.steps li.current::before { border-color: var(--accent); }
ol.steps li.failed::before { background: var(--bad); border-color: var(--bad); }
.state { color: var(--muted); font-weight: normal; font-size: .9rem; }
form { margin: 1rem 0 0; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input[type=email], textarea { width: 100%; padding: .55rem .65rem; font: inherit;
  border: 1px solid #9aa3b2; border-radius: 6px; }
textarea { min-height: 4.5rem; }
button { margin-top: .75rem; padding: .55rem 1.1rem; font: inherit; font-weight: 600;
  color: #fff; background: var(--accent); border: 0; border-radius: 6px; cursor: pointer; }
:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
.who { color: var(--muted); font-size: .9rem; }
"""

JOIN_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{{ title }} · Referral invitation</title>
<link rel="stylesheet" href="{{ css_url }}">
</head>
<body>
<main>
<h1 id="title">{{ title }}</h1>
{% if operator_name %}
<p class="lead" id="invitedBy">{{ operator_name }} invited you to try the product.</p>
{% endif %}

<div id="status" class="status {{ notice_kind }}" role="status" aria-live="polite"
  tabindex="-1">{{ notice }}</div>

{% if steps %}
<h2 id="progressHeading">Your progress</h2>
<ol class="steps" id="steps" aria-labelledby="progressHeading">
{% for step in steps %}
<li id="step-{{ step.key }}" class="{{ step.mark }}"
  {%- if step.mark == "current" %} aria-current="step"{% endif %}>{{ step.label }}
  <span class="state">({{ step.state_text }})</span></li>
{% endfor %}
</ol>
{% endif %}

{% if signed_in_as %}
<p class="who" id="signedInAs">Signed in as {{ signed_in_as }}</p>
{% endif %}

{% if action == "sign_in" %}
<h2 id="signInHeading">Sign up or sign in</h2>
<form method="post" action="{{ base }}/sign-in" aria-labelledby="signInHeading" novalidate>
<input type="hidden" name="csrf" value="{{ csrf }}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" required
  aria-describedby="emailHint" value="{{ typed_email }}" autofocus>
<p class="hint" id="emailHint">Use the address this invitation was sent to. A new address
creates a free account; an existing one signs in.</p>
<button type="submit" id="signInButton">Continue</button>
</form>
{% elif action == "workspace" %}
<h2 id="workspaceHeading">Set up your workspace</h2>
<form method="post" action="{{ base }}/workspace" aria-labelledby="workspaceHeading">
<input type="hidden" name="csrf" value="{{ csrf }}">
<p class="hint">Your workspace is where your prompts run.</p>
<button type="submit" id="workspaceButton" autofocus>Initialise workspace</button>
</form>
{% elif action == "prompt" %}
<h2 id="promptHeading">Send a prompt</h2>
<form method="post" action="{{ base }}/prompt" aria-labelledby="promptHeading">
<input type="hidden" name="csrf" value="{{ csrf }}">
<label for="prompt">Prompt</label>
<textarea id="prompt" name="prompt" maxlength="2000" aria-describedby="promptHint"
  autofocus>{{ typed_prompt }}</textarea>
<p class="hint" id="promptHint">{{ prompts_hint }}</p>
<button type="submit" id="promptButton">Send prompt</button>
</form>
{% endif %}
</main>
</body>
</html>
"""
