//! The `timeline` domain module (being written).
