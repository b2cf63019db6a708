import assert from 'node:assert/strict';
import {
  channelForTopic, channelRole, fusedOutputChannel, ownFrameChannel, rsuAdvisoryChannel, rsuFrameChannel,
  syncRequestChannel, syncResponseChannel, vehicleIntentChannel,
} from '../../shared/record/channels.js';
import {
  advisoryTopic, frameTopic, intentTopic, syncRequestTopic, syncResponseTopic,
} from '../../shared/transport/topics.js';

describe('record/channels', () => {
  it('builds rx names with the transport and tx names without', () => {
    assert.equal(rsuFrameChannel('rsu-12', 'mqtt'), '/rsu/rsu-12/frame@mqtt');
    assert.equal(rsuFrameChannel('rsu-12'), '/rsu/rsu-12/frame');
    assert.equal(rsuAdvisoryChannel('rsu-12', 'veh-7', 'zmq'), '/rsu/rsu-12/advisory/veh-7@zmq');
    assert.equal(syncRequestChannel('rsu-12'), '/rsu/rsu-12/sync_request');
    assert.equal(syncResponseChannel('rsu-12', 'veh-7', 'mqtt'), '/rsu/rsu-12/sync_response/veh-7@mqtt');
    assert.equal(vehicleIntentChannel('veh-7', 'mqtt'), '/vehicle/veh-7/intent@mqtt');
    assert.equal(ownFrameChannel('veh-7'), '/vehicle/veh-7/own@local');
    assert.equal(fusedOutputChannel('veh-7'), '/vehicle/veh-7/output');
    assert.throws(() => rsuFrameChannel('rsu/1', 'mqtt'), /must not contain '\/'/);
    assert.throws(() => rsuFrameChannel('rsu@1', 'mqtt'), /must not contain '@'/);
    assert.throws(() => rsuFrameChannel('rsu-1', 'MQTT'), /transport/);
  });

  it('maps every wire topic to the matching channel', () => {
    assert.equal(channelForTopic(frameTopic('site-a', 'rsu-1'), 'mqtt'), '/rsu/rsu-1/frame@mqtt');
    assert.equal(channelForTopic(advisoryTopic('site-a', 'rsu-1', 'veh-2'), 'zmq'), '/rsu/rsu-1/advisory/veh-2@zmq');
    assert.equal(channelForTopic(intentTopic('veh-2'), 'memory'), '/vehicle/veh-2/intent@memory');
    assert.equal(channelForTopic(syncRequestTopic('site-a', 'rsu-1'), 'mqtt'), '/rsu/rsu-1/sync_request@mqtt');
    assert.equal(channelForTopic(syncResponseTopic('site-a', 'rsu-1', 'veh-2')), '/rsu/rsu-1/sync_response/veh-2');
    // Outside the scheme: kept, never thrown.
    assert.equal(channelForTopic('other/a@b', 'mqtt'), '/raw/other/a%40b@mqtt');
    assert.equal(channelForTopic('iaad/v1/r/rsu@x/frame', 'zmq'), '/raw/iaad/v1/r/rsu%40x/frame@zmq');
    assert.equal(channelForTopic('x', 'Weird!'), '/raw/x@unknown');
  });

  it('reads direction and transport back from a name', () => {
    assert.deepEqual(channelRole('/rsu/rsu-1/frame@mqtt'), { direction: 'rx', transport: 'mqtt' });
    assert.deepEqual(channelRole('/vehicle/veh-1/own@local'), { direction: 'rx', transport: 'local' });
    assert.deepEqual(channelRole('/vehicle/veh-1/output'), { direction: 'tx', transport: 'local' });
    for (const bad of ['', '/', 'rsu/frame', '/a@', '/a@MQTT', '/a@b c', '@mqtt']) assert.equal(channelRole(bad), null, bad);
  });
});
