#!/usr/bin/env node
// Refuses a Node.js older than package.json's "engines" before anything is built or started:
// on an older Node the SDKs and the SQLite driver fail in obscure ways, or crash. Plain
// JavaScript without dependencies or newer syntax, so that it runs on any Node. It runs as the
// project's preinstall (npm itself only warns, EBADENGINE: .npmrc leaves engine-strict off so
// that this message is the one that stops `npm install`) and again in prestart.
'use strict';
/* global require, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, so that it runs on any Node */
var fs = require('fs');
var path = require('path');

var parts = function (version) {
  return version
    .replace(/^v/, '')
    .split('.')
    .map(function (n) {
      return parseInt(n, 10) || 0;
    });
};
var isOlder = function (have, need) {
  for (var i = 0; i < need.length; i++) {
    var h = have[i] || 0;
    if (h !== need[i]) return h < need[i];
  }
  return false;
};

var wanted = String(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).engines.node).trim();
var minimum = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(wanted);
if (minimum === null) throw new Error('scripts/check-node.js reads engines.node only in the form ">=x.y.z", not ' + JSON.stringify(wanted));

if (isOlder(parts(process.version), parts(minimum[1]))) {
  process.stderr.write(
    'chat2crm needs Node.js ' +
      minimum[1] +
      ' or newer; this is Node.js ' +
      process.version +
      ' (' +
      process.execPath +
      ').\n' +
      'Install a newer Node.js (`nvm install` reads the version from .nvmrc), then run `npm install` and `npm start` again.\n',
  );
  process.exit(1);
}
