"""The shop talking first: the daily report, low-stock alerts, and each staff member's choices
about them. What to say and to whom — the channel (messenger/) decides how it goes out."""
