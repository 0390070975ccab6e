// tsyringe reads decorator metadata through the Reflect API: load the polyfill before any test module.
import "reflect-metadata";
