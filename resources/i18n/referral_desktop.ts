<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" sourcelanguage="en">
<context>
    <name>AccountPage</name>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Billing cycle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Session</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not signed in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starts on day {day} of each month (UTC).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The next cycle starts {date}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kept in your system keyring; you stay signed in between launches.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No usable system keyring: you stay signed in only until you close the app.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>AccountsPanel</name>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Role</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pilot cohort</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>deny list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>allow list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>rollout</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in ({rule}, bucket {bucket})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>out ({rule}, bucket {bucket})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>in ({rule})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>out ({rule})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>today</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} day ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} days ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{when}, dormant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo accounts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account columns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in as selected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign out and sign in as the selected operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset demo data…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset the demo data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Operators sign in with the password {password}. Recipients have no password: use them through an invitation link (Invitation tab).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>operator, {plan}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>recipient</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{available} available, {earned} of {cap} this cycle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{email}  (signed in)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DataProblemBox</name>
    <message>
        <source>Move the file aside and start again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Referral Resets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data folder problem</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>EligibilityInspector</name>
    <message>
        <source>In the cohort</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not in the cohort</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>bucket {bucket} of {buckets} against a rollout of {rollout} buckets ({percent}%)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decided by the rollout: {rollout}. The account is on neither list.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decided by the deny list, which comes before the rollout. Without it the rollout would decide: {rollout}, so the account would be in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decided by the deny list, which comes before the rollout. Without it the rollout would decide: {rollout}, so the account would be out.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decided by the allow list, which comes before the rollout. Without it the rollout would decide: {rollout}, so the account would be in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decided by the allow list, which comes before the rollout. Without it the rollout would decide: {rollout}, so the account would be out.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (fetched {when})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings window: the flag is on{fetched}, so the invitation module is shown.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings window: the flag is off{fetched}, so there is no invitation module.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings window: the flag is not known yet (never fetched, or offline with nothing saved), so the invitation module stays hidden.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The settings window follows on its next successful sync.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Eligibility inspector</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cohort answer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Why</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which rule decided</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the settings window knows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put the account on the allow list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deny list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put the account on the deny list</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear lists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Take the account off both lists</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cohort of the signed-in account:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody is signed in. Sign in (Accounts tab) to see why an account is or is not in the pilot cohort.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{email}: {verdict}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ErrorBanner</name>
    <message>
        <source>Connection problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retry the connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dismiss the message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are offline. Showing saved data; changes sync when the server is back.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Showing saved data.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The server reported a problem. Showing saved data.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} invitation will be sent then.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} invitations will be sent then.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>FaultsPanel</name>
    <message>
        <source>Faults now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: every call from the app fails at once</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error rate, 0 to 1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set the error rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency in milliseconds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set the latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear all faults</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error rate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>An error rate of X fails that fraction of the app&apos;s calls: half before doing anything (a server error), half after the change was committed (the answer is lost: the app cannot tell whether it went through). At 1 every call fails. Faults apply to the app only, never to this window.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Faults now: {faults}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GeneralPage</name>
    <message>
        <source>Follow the system</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Light</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in as</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Plan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sync</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Appearance choices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show desktop notifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Desktop notifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Syncing with the server…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last synced {when}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not synced yet in this session.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Showing saved data until the server can be reached.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When you earn a reset, an invitation waiting to send goes out, or a reset is about to expire.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When a reset is about to expire.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InvitationList</name>
    <message>
        <source>{done}/{total} steps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account reactivated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account created or reactivated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link opened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workspace initialised</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prompts {prompts}/{required}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reactivated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workspace</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{prompts}/{required} prompts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Queued {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{recipient}: {state}. {sent}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done: {steps}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Still to do: {steps}.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InvitationPanel</name>
    <message>
        <source>{prompts}/{required} prompts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitations of the signed-in operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitation state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitation checklist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Personal link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the personal link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recipient email used through the link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prefilled with the invited address. Type another address to check that the link refuses it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The recipient opens it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign up or sign in through the link with this email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Initialise workspace</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The recipient initialises a workspace</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send 1 prompt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The recipient sends one prompt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Number of prompts to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The recipient sends that many prompts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recipient email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>As the recipient:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody is signed in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No invitations from {operator} yet. Send one from the settings window (Invite…), then pick it here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{recipient}: {state}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent {when}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send {count} prompt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send {count} prompts</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>InviteDialog</name>
    <message>
        <source>{first} and {last}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To: {recipient}
Subject: {subject}

{body}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite someone who is new to the product or has been away for more than {days} days, and only with their consent: they receive an email from us with a personal link.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send invitations?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send invitation?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send an invitation each to {address}?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send an invitation to {address}?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send invitations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send invitation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite a peer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The offer&apos;s rules</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitations left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email addresses, separated by commas</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>name@example.com, another@example.com</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitation error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cap warning</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitation status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message preview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Personal link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the personal link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not sent: you cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking that you can still send invitations…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link copied to the clipboard.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sending to {addresses}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{message} Follow its progress in your invitations.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{address}: sending…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{address}: {message}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Notifier</name>
    <message>
        <source>Usage reset earned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You earned {count} usage reset. Use it from Wallet whenever you choose.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You earned {count} usage resets. Use them from Wallet whenever you choose.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitation sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your invitation to {recipient} went out.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A usage reset expires soon</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A reset expires on {date}. Use it before then, or it expires unused.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OfferPanel</name>
    <message>
        <source>unknown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in to see the operator&apos;s offer.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not offered (the module stays absent): {reason}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offered: {title}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send capacity: {send}; reward capacity: {reward}; up to {most} addresses per send.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirmation required; expires {when}; id {id}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Confirmation not required; expires {when}; id {id}…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The operator&apos;s offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offer title (empty: the default words)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offer description (empty: the default words)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offer rules, one a line (empty: the default rules)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Requires confirmation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The offer requires confirmation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paused (offered to nobody)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The offer is paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report capacities (off: unknown)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The offer reports its capacities</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply the offer&apos;s copy and switches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offer copy and switches</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Title</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Description</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rules</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Credit title (empty: the default)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expires after days (0: never)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Windows the credit resets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Windows the credit resets, choices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grant complimentary credit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grant a complimentary credit to the operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Complimentary credit for the operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resets</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>OutboxPanel</name>
    <message>
        <source>Sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>To</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dispatched invitation messages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message columns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No invitation has been dispatched yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the link of the selected message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From: {operator}
To: {recipient}
Subject: {subject}

{body}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>PolicyPanel</name>
    <message>
        <source>Monthly cap (resets earned per billing cycle)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prompts required after initialising (N)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset token expiry, days after grant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pending invitation expiry, days after sending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dormancy, days idle (strictly more) to come back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitations per operator in 24 hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rollout, buckets of 10,000 in the cohort</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>5-hour usage limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weekly usage limit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join page sign-in attempts per link</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join page sign-in attempts per client address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join page attempt window, minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply policy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply the changed policy values</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fill in defaults</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fill in the default policy values</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type none (or leave empty) for no expiry. Values apply from the app&apos;s next call; a new prompt count applies to invitations not yet converted, a new token expiry to tokens granted afterwards.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QaController</name>
    <message>
        <source>Sign in first: this acts on the signed-in account.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{email}: weekly {weekly}% used, 5-hour {five_hour}% used.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backend clock moved forward by {duration}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not a duration: {error}. Use forms like 30d, 5h or 1d 5h.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: every call from the app now fails.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Back online.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error rate set to {rate}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Latency set to {ms} ms.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Faults cleared.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No policy value changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Policy: {changed}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No offer value changed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offer: {changed} set.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{email}: complimentary credit “{title}” granted.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo data reset. Signing {operator} in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo data reset.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in as {email}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unexpected error: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} minute</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} minutes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} seconds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{recipient}: {state}. {reason}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QaSimulatorWindow</name>
    <message>
        <source>QA simulator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed-in operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Working…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backend clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Faults</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Simulator sections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage &amp;&amp; clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Policy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outbox</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accounts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Result of the last action</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backend clock: reading…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backend clock: {when} (running)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backend clock: {when} (frozen)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Faults: {faults}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody is signed in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in: {email} ({plan})</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QaWorld</name>
    <message>
        <source>offline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>latency {ms} ms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>error rate {rate}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>RedeemDialog</name>
    <message>
        <source>{window} {percent}% used → 0%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{window} {percent}% → 0%</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Both usage windows go back to 0% used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> The weekly window is not reset.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{effect}; the next window starts at your next use.{kept}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a usage reset?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a usage reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use one usage reset now?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expires {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>never expires</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This uses “{title}”, the reset that expires first: {source}, granted {granted}, {expiry}; resets: {windows}. You will have {left} left.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing is used right now, so this reset would give you nothing back. You may prefer to keep it for later.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel, keep the reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use the reset now</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReferralSection</name>
    <message>
        <source>Invite peers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite a peer by email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The offer&apos;s rules</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When earned resets expire</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitations left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resets earned this cycle</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitations overview</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show invitations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show all invitations, only those still under way, or ended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitation filter choices</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your invitations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No invitations yet. Invite a peer by email.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke the selected invitation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only invitations nobody has joined through can be revoked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resend email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Send the selected invitation&apos;s email again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A pending invitation&apos;s email can be sent again once its cooldown has passed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revocation problem</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your invitations ({count})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No active invitations.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No ended invitations.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No invitations.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke invitation?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke the invitation to {recipient}?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Its link stops working at once. This cannot be undone.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResetConfirmation</name>
    <message>
        <source>Reset demo data?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wipe every invitation, token and change, and seed the demo accounts again?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The backend clock goes back to now, the policy to its defaults, faults are cleared, and the signed-in operator is signed in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset demo data</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{page} settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>General</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wallet</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsWindow</name>
    <message>
        <source>You are signed out. Sign in to see your usage and account settings.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No usable system keyring was found, so you stay signed in only until you close the app.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading your settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sync now (F5)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{page} ({shortcut})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in as {email}…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>In the pilot · Plus plan · weekly usage mostly used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>In the pilot · cap reached this cycle · holds 2 resets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pro plan · outside the pilot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Free plan · outside the pilot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo accounts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Email</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>you@example.com</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in to see your settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pick a demo account (password “{password}”) or type an address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pick an account or enter an email address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <source>Syncing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Offline: showing saved data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sync failed: showing saved data</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Synced {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last synced {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(last synced {when})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} invitation waiting to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} invitations waiting to send</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sync status</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrayNotifications</name>
    <message>
        <source>Referral Resets</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UsageAndClockPanel</name>
    <message>
        <source>+5 hours</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move the backend clock 5 hours forward</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>+1 day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move the backend clock 1 day forward</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>+7 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move the backend clock 7 days forward</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>+62 days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move the backend clock 62 days forward</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage windows of the signed-in account</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weekly usage used, percent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>5-hour usage used, percent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set usage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set both usage windows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weekly used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>5-hour used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Backend clock</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Custom duration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>e.g. 30d, 90m or 1d 5h</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Advance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move the backend clock forward by that duration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The clock only moves forward. Expiries (tokens, invitations, usage windows) happen on the next call.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{local} local time ({utc} UTC), running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{local} local time ({utc} UTC), frozen</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nobody is signed in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{email}: weekly {weekly}% used ({weekly_used} of {weekly_limit}), 5-hour {five_hour}% used ({five_hour_used} of {five_hour_limit}).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UsageMeter</name>
    <message>
        <source>5-hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weekly</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{window} usage</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{window} window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{window} percent used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{window} usage meter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{window} reset time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not known yet: waiting for the first sync.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{percent}% used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{percent}% of the {window} allowance used</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{remaining} of {limit} left ({percent}%)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>UsagePage</name>
    <message>
        <source>Each window begins at your first use after the previous one ended, so its reset time is known once it has begun.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a reset…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a usage reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} usage reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} usage resets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You hold {resets}. Using one sets both windows back to zero at once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You hold {resets}. Use one from Wallet to restore both windows to zero.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>WalletPage</name>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Spent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Spent {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expired</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expired {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expires {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a peer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A reset expires on {when}. Use it before then, or it expires unused.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} resets expire within {days}, the first on {when}. Use them before then, or they expire unused.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{title} ({source}; resets: {windows}): granted {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>spent {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expired {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>expires {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{parts}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage resets available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a reset…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Use a usage reset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset expiring soon</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wallet message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Usage reset tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token columns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No usage resets yet. When a peer you invited starts using the product, a reset may appear here.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export ledger as CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export the ledger as CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} usage reset available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} usage resets available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No resets to use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Using a reset sets the usage windows it resets back to zero at once. The reset that expires first is used first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checking the last reset…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have no usage reset to use.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled. Your reset is kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Using a reset…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export ledger</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ledger saved to {path}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>Referral Resets</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>cohort</name>
    <message>
        <source>Excluded: the account is on the pilot&apos;s deny list.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Included: the account is on the pilot&apos;s allow list.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Included: bucket {bucket} of {buckets} is below the rollout of {rollout} buckets ({percent}%).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not included: bucket {bucket} of {buckets} is not below the rollout of {rollout} buckets ({percent}%).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>crash</name>
    <message>
        <source>Something went wrong</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Something went wrong inside the app. Your data is safe; the error was logged.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>formatting</name>
    <message>
        <source>{date}, {time}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>just now</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} minute ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} minutes ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} hour ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} hours ago</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>on {date}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starts at your next use</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resets {when}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>invitations</name>
    <message>
        <source>Queued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link opened</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Joined</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Came back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workspace ready</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Prompting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset earned</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Converted, cap reached</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not eligible</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expired</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last attempt: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for a connection; it will be sent on the next sync.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sent. Waiting for your peer to open the link.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Link opened. Waiting for your peer to sign up or sign in.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in. Waiting for your peer to initialise a workspace.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workspace ready. {prompts} of {required} prompts sent; {left} prompt to go.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workspace ready. {prompts} of {required} prompts sent; {left} prompts to go.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your peer is using the product. You earned one usage reset.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your peer is using the product, but you had already earned this cycle&apos;s maximum, so no reset was earned.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your peer&apos;s account was active within the last {days} days, so this invitation cannot earn a reset.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You revoked this invitation; its link no longer works.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The link expired before your peer used it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>offer</name>
    <message>
        <source>Invite a friend</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invite someone by email: they get a personal link that works only for them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 invitation left.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} invitations left.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No invitations left for now: the next one can be sent from {at}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No invitations left for now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitations sent now earn nothing until {at}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitations sent now earn nothing this billing cycle.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One send holds at most {limit} addresses: remove {extra}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You can send {capacity} more now: remove {extra} of these addresses.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{recipient} is in the list twice.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resend from {at}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A reset you earn expires 1 day after it is earned if you do not use it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A reset you earn expires {days} days after it is earned if you do not use it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A reset you earn does not expire.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>outcomes</name>
    <message>
        <source>Nothing was sent yet. The invitation is saved on this computer and goes out once, automatically, when the referral service can be reached.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The invitation may already have been sent. The app finishes it with the same request as soon as the referral service answers, so it is never sent twice.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The invitation was not sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was spent and your reset is kept. Try again once the referral service can be reached.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your reset may have been spent. The app checks with the referral service and shows the result; it never spends a second reset for this request.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was spent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The invitation was not revoked. Try again once the referral service can be reached.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The invitation may already be revoked. The app checks with the referral service and shows the result.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The email was not sent again. Try again once the referral service can be reached.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The email may already have gone out again. The app finishes it with the same request as soon as the referral service answers, so it is never sent twice.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The email was not sent again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are not signed in. Try again once connected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The sign-in may have gone through. Signing in again reuses the same request, so no extra session is opened.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was sent yet. The invitation is saved on this computer and goes out once, automatically, when the referral service works again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was spent and your reset is kept. Try again once the referral service works again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The invitation was not revoked. Try again once the referral service works again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The email was not sent again. Try again once the referral service works again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You are not signed in. Try again once the referral service works again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitation sent to {recipient}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset spent: your usage is back to zero used.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitation to {recipient} revoked; its link no longer works.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signed in as {email}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The invitation email went to {recipient} again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This request had already spent a reset; no second reset was used.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset spent: your weekly and 5-hour usage are back to zero used.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset spent: your 5-hour usage is back to zero; the weekly window is unchanged.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing to reset: no usage counted in the windows this reset covers, so it was kept.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have no usage resets to spend.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>But the referral service still counts use in {not_cleared} after the reset; the numbers shown are the service&apos;s.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the 5-hour window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the weekly window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Earned by inviting {recipient}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Complimentary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weekly and 5-hour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>5-hour only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Never expires</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>1 invitation queued by the previous account was discarded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} invitations queued by the previous account were discarded.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>reasons</name>
    <message>
        <source>That is not a valid email address: {detail}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter an email address.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That is your own address. Invite someone else.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You already have a pending invitation for {recipient}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have sent {limit} invitations in the last 24 hours, the most allowed. You can send the next one from {at}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitations are available only to accounts in the referral pilot.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no such invitation.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no account for {email} yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This invitation can no longer be revoked (it is {state}); only a pending one can.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have no usage resets to spend.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The invitation offer changed after you opened it. Read the new terms, then send again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The invitation offer you opened expired at {at}. Open it again to see the current terms.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Invitations are paused for now. Nothing was sent.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The email for this invitation went out at {sent_at}. You can send it again from {at}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only a pending invitation&apos;s email can be sent again; this one is {state}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no such usage reset in your wallet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That usage reset cannot be spent: it is {state}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That email and password do not match an account.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many failed sign-ins for this account or from this network. Try again in {minutes} minutes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your session has ended. Sign in again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sign in first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That invitation link does not exist.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This invitation was revoked by the person who sent it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This invitation link has expired.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This invitation has already ended.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This link was sent to another address; use it with the address it was sent to.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Someone has already joined through this link.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join through the link first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Initialise a workspace before sending prompts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This account was active within the last {days} days, so it cannot join through an invitation. You can keep using it as before.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many sign-in attempts through this link or from this network. Try again in {minutes} minutes.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This page has expired. Reload it and try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This simulator runs on an injected clock; move that clock instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referral service cannot be reached: you are offline.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The connection was lost before the referral service answered.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referral service did not answer in time.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referral service failed to handle the request and changed nothing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referral service did not understand the request: {detail}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>QA calls need the QA token the server printed at start (send it as X-QA-Token; sim --backend URL --qa-token TOKEN).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The saved data on this computer is damaged. Move {path} aside and start the app again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The saved data on this computer is in use by another copy of the app. Close it and try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The saved data on this computer was written by a newer version of the app.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The saved data on this computer was damaged. It was set aside as {path} and is rebuilt from the referral service; invitations queued while offline may need to be sent again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The saved data on this computer came from a newer version of the app. It was set aside as {path} and is rebuilt from the referral service; invitations queued while offline may need to be sent again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The disk holding {path} is full, so nothing could be saved. Free some space and try again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path} cannot be written. Choose another data folder with --data-dir, or make it writable.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{path} is not a folder (a file is in the way). Choose a folder with --data-dir.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Choose another folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Something went wrong on this computer while reading or writing the app&apos;s data. app.log in the data folder has the details.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referral service&apos;s data file {path} is damaged. Move it aside and start again with fresh demo data; the damaged file is kept. (On the command line: `referral-desktop sim reset-demo`.)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referral service&apos;s data file {path} was written by a newer version of this app, so this one does not touch it. Use the newer version, or move the file aside and start again with fresh demo data (the file is kept).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referral service&apos;s data came from an older version of this app. It was kept as {backup} and the demo data was seeded afresh.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referral service&apos;s data file was moved aside to {backup} and fresh demo data was seeded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have sent 1 invitation in the last 24 hours, the most allowed. You can send the next one from {at}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many failed sign-ins for this account or from this network. Try again in 1 minute.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This account was active within the last day, so it cannot join through an invitation. You can keep using it as before.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many sign-in attempts through this link or from this network. Try again in 1 minute.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The referral service could not save anything: its disk is full. It changed nothing.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The disk holding the app&apos;s data folder is full, so nothing could be saved. Free some space and try again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>summary</name>
    <message>
        <source>Invite a peer by email with a personal link.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When a peer you invite signs up through your personal link (or comes back after more than {days} away), initialises a workspace and sends {prompts}, you may earn a usage reset, up to {cap} per billing cycle. A reset sets your usage back to zero when you choose to use it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} day</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} days</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} prompt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{count} prompts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resets earned this cycle: not known yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{earned} of {cap} resets earned this cycle. You can still invite, but conversions earn nothing until the next cycle starts on {date}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{earned} of {cap} resets earned this cycle; the next cycle starts {date}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ended</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resets earned all time: {earned} · Pending invitations: {pending}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You have already earned {earned} of {cap} resets this cycle: a conversion before {date} will earn nothing. You can still invite.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resend email</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
