/** Runnable mains, one per workshop lab; each runs on the embedded emulator by default and on AWS with --aws. */
package dev.aip.examples;
