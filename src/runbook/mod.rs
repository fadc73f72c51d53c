//! The `runbook` domain module (being written).
