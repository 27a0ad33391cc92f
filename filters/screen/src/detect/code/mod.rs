//! Code injection: a value that an application evaluates as code of its own language. One
//! module per language: [`php`], [`java`], [`python`], [`node`], [`ruby`].

pub mod java;
pub mod node;
pub mod php;
pub mod python;
pub mod ruby;
