//! Nothing to see here: the attack is in build.rs.
