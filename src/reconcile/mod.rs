//! The `reconcile` domain module (being written).
