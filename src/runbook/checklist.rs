//! Checklist progress (being written).
