"""The platform: plumbing with no business meaning. Settings, auth, problem details and domain errors,
canonical JSON and hashing, the hash chain and its signed checkpoints, signing, logging, metrics, the web
app every service shares, the ledger client, the projection runner and the read-model store."""
