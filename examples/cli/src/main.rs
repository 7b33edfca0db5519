//! The imsession command-line tool (being written).
fn main() {}
