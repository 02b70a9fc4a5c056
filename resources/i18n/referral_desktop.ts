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
    <name>app</name>
    <message>
        <source>Referral Resets</source>
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
    <name>offer</name>
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
</context>
</TS>
