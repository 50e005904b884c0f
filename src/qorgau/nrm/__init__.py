"""The National Referral Mechanism: people, cases, identification decisions, consent, rights,
referrals and case plans."""
