import test from 'ava';
import { deviceField, deviceFieldNode } from '../../src/session/device-fields.js';

test('a device field names its node, and the other session fields name none', (t) => {
  t.is(deviceFieldNode(deviceField('node-1')), 'node-1');
  t.is(deviceFieldNode(deviceField('a.b_c-2')), 'a.b_c-2');
  t.is(deviceFieldNode('nodeId'), null);
  t.is(deviceFieldNode('loginAt'), null);
  // A node id that itself looks like a field prefix still comes back whole.
  t.is(deviceFieldNode(deviceField('dev-1')), 'dev-1');
});
