//! Security-header grading compatible with MDN HTTP Observatory 1.4.8 (being written).
