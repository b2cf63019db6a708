import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_DELIVERY, TopicError, TopicRouter, advisoriesFilter, advisoryTopic, deliveryFor, expirySecondsUntil,
  filterPrefix, frameTopic, framesFilter, intentTopic, intentsFilter, parseTopic, syncRequestTopic,
  syncResponseTopic, syncResponsesFilter, topicMatches, validateId, validateTopicFilter, validateTopicName,
} from '../../shared/transport/topics.js';

describe('transport topics', () => {
  describe('builders', () => {
    it('build the documented scheme', () => {
      assert.equal(frameTopic('shanghai', 'rsu-12'), 'iaad/v1/shanghai/rsu-12/frame');
      assert.equal(advisoryTopic('shanghai', 'rsu-12', 'veh-7'), 'iaad/v1/shanghai/rsu-12/advisory/veh-7');
      assert.equal(intentTopic('veh-7'), 'iaad/v1/vehicle/veh-7/intent');
      assert.equal(syncRequestTopic('shanghai', 'rsu-12'), 'iaad/v1/shanghai/rsu-12/sync/request');
      assert.equal(syncResponseTopic('shanghai', 'rsu-12', 'veh-7'), 'iaad/v1/shanghai/rsu-12/sync/response/veh-7');
    });

    it('build filters with + for omitted levels', () => {
      assert.equal(framesFilter(), 'iaad/v1/+/+/frame');
      assert.equal(framesFilter('sh'), 'iaad/v1/sh/+/frame');
      assert.equal(framesFilter('sh', 'rsu-1'), 'iaad/v1/sh/rsu-1/frame');
      assert.equal(advisoriesFilter('veh-7'), 'iaad/v1/+/+/advisory/veh-7');
      assert.equal(intentsFilter(), 'iaad/v1/vehicle/+/intent');
      assert.equal(syncResponsesFilter('veh-7', 'sh', 'rsu-1'), 'iaad/v1/sh/rsu-1/sync/response/veh-7');
    });

    it('reject ids that would break the topic structure, naming the field', () => {
      assert.throws(() => frameTopic('sh', 'rsu/1'), { name: 'TopicError', message: /rsuId "rsu\/1" must not contain '\/'/ });
      assert.throws(() => frameTopic('s+', 'rsu-1'), { message: /region "s\+" must not contain '\+'/ });
      assert.throws(() => intentTopic('veh#'), { message: /vehicleId "veh#" must not contain '#'/ });
      assert.throws(() => advisoryTopic('sh', '', 'v'), { message: /rsuId must be a non-empty string/ });
      assert.throws(() => validateId('a\u0000b'), { message: /NUL/ });
      assert.throws(() => framesFilter('sh', '+'), TopicError);
      assert.equal(validateId('rsu-1.a_b'), 'rsu-1.a_b');
    });

    it('parseTopic inverts every builder and rejects foreign topics', () => {
      assert.deepEqual(parseTopic(frameTopic('sh', 'r1')), { kind: 'frame', region: 'sh', rsuId: 'r1' });
      assert.deepEqual(parseTopic(advisoryTopic('sh', 'r1', 'v1')), { kind: 'advisory', region: 'sh', rsuId: 'r1', vehicleId: 'v1' });
      assert.deepEqual(parseTopic(intentTopic('v1')), { kind: 'intent', vehicleId: 'v1' });
      assert.deepEqual(parseTopic(syncRequestTopic('sh', 'r1')), { kind: 'syncRequest', region: 'sh', rsuId: 'r1' });
      assert.deepEqual(parseTopic(syncResponseTopic('sh', 'r1', 'v1')), { kind: 'syncResponse', region: 'sh', rsuId: 'r1', vehicleId: 'v1' });
      for (const t of ['iaad/v2/sh/r1/frame', 'iaad/v1/sh/r1/frame/x', 'iaad/v1/sh/r1/advisory', 'iaad/v1/vehicle/v1/fused', 'other']) {
        assert.equal(parseTopic(t), null, t);
      }
    });
  });

  describe('topicMatches (MQTT 4.7)', () => {
    const cases: Array<[string, string, boolean]> = [
      ['a/b/c', 'a/b/c', true],
      ['a/b/c', 'a/b/d', false],
      ['a/b/c', 'a/b', false],
      ['a/b', 'a/b/c', false],
      ['a/+/c', 'a/b/c', true],
      ['a/+/c', 'a/b/d', false],
      ['a/+', 'a/b/c', false],
      ['a/+', 'a/', true], // '+' matches an empty level
      ['a/+', 'a', false],
      ['+/+', '/b', true],
      ['+', 'a', true],
      ['+', 'a/b', false],
      ['/+', '/a', true],
      ['a/#', 'a', true], // '#' includes the parent level
      ['a/#', 'a/b', true],
      ['a/#', 'a/b/c/d', true],
      ['a/#', 'ab', false],
      ['a/#', 'b/a', false],
      ['#', 'a/b/c', true],
      ['#', '/', true],
      ['+/b/#', 'x/b', true],
      ['+/b/#', 'x/c/d', false],
      ['#', '$SYS/broker', false], // wildcards at the start never match '$' topics
      ['+/broker', '$SYS/broker', false],
      ['$SYS/#', '$SYS/broker', true],
      ['iaad/v1/+/+/frame', frameTopic('sh', 'rsu-1'), true],
      ['iaad/v1/+/+/frame', advisoryTopic('sh', 'rsu-1', 'v1'), false],
      ['iaad/v1/+/+/advisory/v1', advisoryTopic('sh', 'rsu-1', 'v1'), true],
      ['iaad/v1/+/+/advisory/v1', advisoryTopic('sh', 'rsu-1', 'v2'), false],
      ['iaad/v1/sh/#', syncResponseTopic('sh', 'rsu-1', 'v1'), true],
      ['iaad/v1/+/+/sync/#', syncRequestTopic('sh', 'rsu-1'), true],
    ];
    for (const [f, t, want] of cases) {
      it(`${JSON.stringify(f)} ${want ? 'matches' : 'does not match'} ${JSON.stringify(t)}`, () => {
        assert.equal(topicMatches(f, t), want);
      });
    }

    it('agrees with a regex reference on random topics and filters', () => {
      const level = fc.constantFrom('a', 'b', 'c', '');
      const topicArb = fc.array(level, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('/')).filter((t) => t.length > 0);
      const filterArb = fc.tuple(fc.array(fc.constantFrom('a', 'b', '', '+'), { minLength: 1, maxLength: 5 }), fc.boolean())
        .map(([ls, hash]) => (hash ? [...ls, '#'] : ls).join('/')).filter((f) => f.length > 0);
      const reference = (f: string, t: string): boolean => {
        const body = f.split('/').map((l) => (l === '+' ? '[^/]*' : l === '#' ? null : l.replace(/[.*?^${}()|[\]\\]/g, '\\$&')));
        const hash = body[body.length - 1] === null;
        const levels = hash ? body.slice(0, -1) : body;
        const re = hash ? (levels.length ? `^${levels.join('/')}(/.*)?$` : '^.*$') : `^${levels.join('/')}$`;
        return new RegExp(re).test(t);
      };
      fc.assert(fc.property(filterArb, topicArb, (f, t) => topicMatches(f, t) === reference(f, t)), { numRuns: 2000 });
    });
  });

  describe('validation and prefixes', () => {
    it('accepts valid filters and rejects misplaced wildcards', () => {
      for (const f of ['#', '+', 'a/+/b', 'a/#', '+/+/#', 'a//b']) assert.equal(validateTopicFilter(f), f);
      for (const f of ['', 'a/#/b', 'a#', 'a/b+', '+a/b', '##']) assert.throws(() => validateTopicFilter(f), TopicError, f);
    });

    it('rejects wildcards in topic names', () => {
      assert.throws(() => validateTopicName('a/+/b'), TopicError);
      assert.throws(() => validateTopicName('a/#'), TopicError);
      assert.throws(() => validateTopicName(''), TopicError);
      assert.equal(validateTopicName('a/b'), 'a/b');
    });

    it('filterPrefix is the literal part before the first wildcard', () => {
      assert.equal(filterPrefix('iaad/v1/sh/rsu-1/frame'), 'iaad/v1/sh/rsu-1/frame');
      assert.equal(filterPrefix('iaad/v1/+/+/frame'), 'iaad/v1/');
      assert.equal(filterPrefix('iaad/v1/sh/#'), 'iaad/v1/sh/');
      assert.equal(filterPrefix('#'), '');
    });
  });

  describe('delivery defaults', () => {
    it('frames and sync are QoS 0, advisories and intents QoS 1, all expire', () => {
      assert.equal(DEFAULT_DELIVERY.frame.qos, 0);
      assert.equal(DEFAULT_DELIVERY.syncRequest.qos, 0);
      assert.equal(DEFAULT_DELIVERY.syncResponse.qos, 0);
      assert.equal(DEFAULT_DELIVERY.advisory.qos, 1);
      assert.equal(DEFAULT_DELIVERY.intent.qos, 1);
      for (const d of Object.values(DEFAULT_DELIVERY)) assert.ok(d.expirySeconds >= 1 && Number.isInteger(d.expirySeconds));
      assert.ok(Object.isFrozen(DEFAULT_DELIVERY));
    });

    it('deliveryFor looks the kind up from the topic', () => {
      assert.deepEqual(deliveryFor(advisoryTopic('sh', 'r', 'v')), DEFAULT_DELIVERY.advisory);
      assert.deepEqual(deliveryFor(intentTopic('v')), DEFAULT_DELIVERY.intent);
      assert.deepEqual(deliveryFor('some/other'), DEFAULT_DELIVERY.frame);
    });

    it('expirySecondsUntil rounds up to whole seconds, at least 1', () => {
      assert.equal(expirySecondsUntil(2.1e9, 0), 3);
      assert.equal(expirySecondsUntil(1e9, 1e9), 1);
      assert.equal(expirySecondsUntil(0, 5e9), 1);
    });
  });

  describe('TopicRouter', () => {
    it('reference-counts filters and fans out to every matching observer', () => {
      const events: string[] = [];
      const r = new TopicRouter<{ topic: string; n: number }>({ onFirst: (f) => events.push(`+${f}`), onLast: (f) => events.push(`-${f}`) });
      const got: string[] = [];
      const s1 = r.observe('a/+').subscribe((m) => got.push(`s1:${m.n}`));
      const s2 = r.observe('a/+').subscribe((m) => got.push(`s2:${m.n}`));
      const s3 = r.observe('#').subscribe((m) => got.push(`s3:${m.n}`));
      assert.deepEqual(events, ['+a/+', '+#']);
      assert.equal(r.dispatch({ topic: 'a/b', n: 1 }), true);
      s1.unsubscribe();
      assert.deepEqual(events, ['+a/+', '+#']);
      r.dispatch({ topic: 'a/b', n: 2 });
      s2.unsubscribe();
      s3.unsubscribe();
      assert.deepEqual(events, ['+a/+', '+#', '-a/+', '-#']);
      assert.equal(r.dispatch({ topic: 'a/b', n: 3 }), false);
      assert.deepEqual(got, ['s1:1', 's2:1', 's3:1', 's2:2', 's3:2']);
      assert.deepEqual(r.filters(), []);
    });

    it('validates filters when observed and completes observers without hooks', () => {
      const events: string[] = [];
      const r = new TopicRouter<{ topic: string }>({ onLast: (f) => events.push(f) });
      assert.throws(() => r.observe('a/#/b'), TopicError);
      let completed = false;
      r.observe('x').subscribe({ complete: () => (completed = true) });
      r.complete();
      assert.equal(completed, true);
      assert.deepEqual(events, []);
    });
  });
});
