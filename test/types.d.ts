// express@4 and koa@2 are installed under aliases and ship no types of their own: the tests use them
// through the types of the current majors, which cover every part they touch.
declare module 'express4' {
  import express = require('express')
  export = express
}

declare module 'koa2' {
  import Koa = require('koa')
  export = Koa
}
