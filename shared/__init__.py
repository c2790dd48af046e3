"""What every PerfLedger service uses, in two parts: `shared.kernel`, what every follower of the ledger must
compute identically, and `shared.platform`, the plumbing with no business meaning. A rule one service alone
applies lives in that service's domain/."""
