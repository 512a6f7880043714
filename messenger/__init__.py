"""Pure helpers for the Messenger Platform webhook: signature checks and event parsing."""
