import { logLib, type ScriptLimits } from '../inbox/scripts.js';

/** How many values each event takes in the ARGV of `storeRoomEventsScript`. */
export const STORE_ROOM_EVENT_FIELDS = 8;

/**
 * Appends a batch of room events (all those of one event-loop turn on the room host), each as one
 * unit, to the room's log: a stream `room-log:<room>` with ids `<seq>-0` beside a hash
 * `room-meta:<room>` (epoch, seq), as an inbox is kept (src/inbox/scripts.ts). A chat also claims
 * its sender's client message id, goes onto the room's recent list (`recent:r:<room>`) and onto the
 * archive stream, and is refused while the archive is too far behind.
 *
 * ARGV: prefix, count, then per event: room key, action, data JSON (without seq), ts, sender key,
 *       clientMsgId ('' for none), nonce, '1' for a chat ('' for a join or leave)
 * Returns one entry per event: {'ok', seq} | {'dup', '<id> <seq> <ts>'} | {'busy'}
 */
export function storeRoomEventsScript(limits: ScriptLimits): string {
  return `${logLib(limits)}
local P = ARGV[1]
local archiveFull = redis.call('XLEN', P .. 'archive') >= ${limits.archiveMaxBacklog}

local function storeOne(room, action, data, tsText, sender, cmid, nonce, isChat)
  local cmidKey = P .. 'rcmid:' .. sender .. ':' .. cmid
  if cmid ~= '' then
    local claim = redis.call('GET', cmidKey)
    if claim then return {'dup', claim} end
  end
  if isChat == '1' and archiveFull then return {'busy'} end
  local seq = append(P .. 'room-log:' .. room, P .. 'room-meta:' .. room, 'r:' .. room, nonce, action, data, tsText)
  if isChat == '1' then
    toRecentAndArchive(P, 'r:' .. room, data)
  end
  if cmid ~= '' then
    redis.call('SET', cmidKey, string.match(data, '"id":"([^"]*)"') .. ' ' .. seq .. ' ' .. tsText, 'PX', '${limits.clientMsgIdTtlMs}')
  end
  return {'ok', seq}
end

local results = {}
for i = 0, tonumber(ARGV[2]) - 1 do
  local b = 2 + i * ${STORE_ROOM_EVENT_FIELDS}
  results[i + 1] = storeOne(ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5], ARGV[b + 6], ARGV[b + 7], ARGV[b + 8])
end
return results
`;
}
