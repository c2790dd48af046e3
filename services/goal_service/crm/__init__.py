"""CRM adapters: what real CRMs send (HubSpot, Salesforce, 简道云, any JSON source by a mapping file), verified
as each signs it, kept as it arrived, and turned into the ledger's canonical activity events."""
