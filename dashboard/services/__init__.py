"""The service layer: every write and every Debitura call goes through here."""
