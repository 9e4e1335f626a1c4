/**
 * Redis scripts of the message log. Each runs atomically in one round trip.
 *
 * An inbox is a stream `inbox:<user>` with entry ids `<seq>-0` and fields `t` (ms), `a` (event
 * action), `d` (event data JSON without seq), next to a hash `inbox-meta:<user>` holding `epoch` and
 * `seq` (the head). The hash is never trimmed, so seqs stay gapless while old entries go; if it is
 * missing, the log was lost (or never existed) and starts again under the caller's new epoch.
 */

/** Shared Lua: the meta hash, appending with trimming by count and age, and a session's nodes. */
const LIB = `
local function ensureEpoch(stream, meta, epoch)
  if redis.call('HSETNX', meta, 'epoch', epoch) == 1 then
    redis.call('HSET', meta, 'seq', 0)
    redis.call('DEL', stream)
  end
end

local function seqOf(id)
  return tonumber(string.match(id, '^(%d+)'))
end

-- Drops entries older than cutoff from the front; bounded per call, a later append goes on.
local function trimOld(stream, cutoff)
  for _ = 1, 100 do
    local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
    if not first or tonumber(first[2][2]) >= cutoff then return end
    redis.call('XTRIM', stream, 'MINID', (seqOf(first[1]) + 1) .. '-0')
  end
end

-- Appends one event; returns its seq. The bounds are enforced every TRIM_EVERY appends (so up to
-- TRIM_EVERY - 1 extra events may wait for it): trimming on each append would double its cost, and
-- sync tells a device exactly what is still there.
local TRIM_EVERY = 16
local function append(stream, meta, epoch, action, data, ts, maxEvents, maxAgeMs)
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  if seq == 1 and redis.call('HSETNX', meta, 'epoch', epoch) == 1 then
    -- A new inbox, or one whose log was lost: whatever stream is left belongs to no epoch.
    redis.call('DEL', stream)
  end
  redis.call('XADD', stream, seq .. '-0', 't', ts, 'a', action, 'd', data)
  if seq % TRIM_EVERY == 0 then
    redis.call('XTRIM', stream, 'MAXLEN', maxEvents)
    trimOld(stream, ts - maxAgeMs)
  end
  redis.call('PEXPIRE', stream, maxAgeMs)
  return seq
end

local function nodesOf(session)
  local nodes = {}
  for _, field in ipairs(redis.call('HKEYS', session)) do
    if string.sub(field, 1, 4) == 'dev:' then nodes[#nodes + 1] = string.sub(field, 5) end
  end
  return nodes
end
`;

/**
 * Stores one private message: claims the client's message id, checks the recipient exists and the
 * archive is not too far behind, appends to the recipient's and the sender's inboxes, pushes it onto
 * the conversation's recent list and the archive stream, and returns where it went and the nodes
 * holding devices of both users.
 *
 * KEYS: users, cmid, toInbox, toMeta, fromInbox, fromMeta, recent, archive, toSession, fromSession
 * ARGV: toKey, from, id, ts, message, conversation, useCmid, cmidTtlMs, maxEvents, maxAgeMs,
 *       maxBacklog, toEpoch, fromEpoch, recentMax
 * Returns {'ok', to, fromSeq, toSeq, toNodes, fromNodes} | {'dup', claim, storedData|false, toNodes, fromNodes}
 *       | {'unknown'} | {'busy'}
 */
export const STORE_CHAT = `${LIB}
local useCmid = ARGV[7] == '1'
if useCmid then
  local claim = redis.call('GET', KEYS[2])
  if claim then
    local toSeq = string.match(claim, '^%S+ %S+ (%S+)')
    local stored = redis.call('XRANGE', KEYS[3], toSeq .. '-0', toSeq .. '-0')[1]
    return {'dup', claim, stored and stored[2][6] or false, nodesOf(KEYS[9]), nodesOf(KEYS[10])}
  end
end
local to = redis.call('HGET', KEYS[1], ARGV[1])
if not to then return {'unknown'} end
if redis.call('XLEN', KEYS[8]) >= tonumber(ARGV[11]) then return {'busy'} end

local ts = tonumber(ARGV[4])
local maxEvents, maxAgeMs = tonumber(ARGV[9]), tonumber(ARGV[10])
local data = cjson.encode({id = ARGV[3], from = ARGV[2], to = to, message = ARGV[5], format = 'text', ts = ts})
local toSeq = append(KEYS[3], KEYS[4], ARGV[12], 'chat', data, ts, maxEvents, maxAgeMs)
local fromSeq = toSeq
if KEYS[5] ~= KEYS[3] then fromSeq = append(KEYS[5], KEYS[6], ARGV[13], 'chat', data, ts, maxEvents, maxAgeMs) end

-- The recent list is cut back to its size once it holds twice as many: readers take the newest.
local recentMax = tonumber(ARGV[14])
if redis.call('LPUSH', KEYS[7], data) > 2 * recentMax then redis.call('LTRIM', KEYS[7], 0, recentMax - 1) end
redis.call('PEXPIRE', KEYS[7], maxAgeMs)
redis.call('XADD', KEYS[8], '*', 'c', ARGV[6], 'd', data)
if useCmid then
  redis.call('SET', KEYS[2], ARGV[3] .. ' ' .. fromSeq .. ' ' .. toSeq .. ' ' .. ARGV[4] .. ' ' .. to, 'PX', ARGV[8])
end
return {'ok', to, fromSeq, toSeq, nodesOf(KEYS[9]), nodesOf(KEYS[10])}
`;

/**
 * Reads an inbox after a cursor. KEYS: inbox, meta. ARGV: after, limit, newEpoch, clientEpoch ('' if none).
 * Returns {epoch, head, firstSeq, entries}; firstSeq is the oldest seq still kept (head + 1 when
 * none is), entries are read only when the client's epoch is the current one.
 */
export const READ_INBOX = `${LIB}
ensureEpoch(KEYS[1], KEYS[2], ARGV[3])
local epoch = redis.call('HGET', KEYS[2], 'epoch')
local head = tonumber(redis.call('HGET', KEYS[2], 'seq'))
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
local firstSeq = first and seqOf(first[1]) or head + 1
local entries = {}
local after = tonumber(ARGV[1])
if (ARGV[4] == '' or ARGV[4] == epoch) and after < head then
  entries = redis.call('XRANGE', KEYS[1], '(' .. after .. '-0', '+', 'COUNT', ARGV[2])
end
return {epoch, head, firstSeq, entries}
`;

/** The inbox's epoch and head, made if missing. KEYS: inbox, meta. ARGV: newEpoch. Returns {epoch, head}. */
export const INBOX_POSITION = `${LIB}
ensureEpoch(KEYS[1], KEYS[2], ARGV[1])
return {redis.call('HGET', KEYS[2], 'epoch'), tonumber(redis.call('HGET', KEYS[2], 'seq'))}
`;
