"""The safe fund: a double-entry ledger of contributions and spending on returns and
reintegration, with maker-checker approval and a public report."""
