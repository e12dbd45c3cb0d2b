/**
 * The Lua scripts that change the cluster's shared state in Redis, each atomic with its fan-out:
 * the change goes to every other node's stream in the order Redis ran it. Keys: `lp:names`
 * (c:CASELESS and s:SKELETON -> node), `lp:users` (key -> Member JSON), `lp:resume` (key -> SHA-256 of
 * its current resume token, hex), `lp:busy` (key\nnode),
 * `lp:nodes` (set), `lp:node:ID` (its address, with a TTL), `lp:stream:ID` (what ID must read),
 * `lp:rehome:CALLID` (the node that took over a call whose home died, with a TTL).
 * ARGV[1] is always the calling node, ARGV[2] the streams' approximate maximum length.
 */

const PRELUDE = `
local self, maxlen = ARGV[1], ARGV[2]
local function fanout(envelope)
  for _, node in ipairs(redis.call('SMEMBERS', 'lp:nodes')) do
    if node ~= self then redis.call('XADD', 'lp:stream:' .. node, 'MAXLEN', '~', maxlen, '*', 'e', envelope) end
  end
end
local function gone(key, node, reason)
  return '{"t":"gone","key":' .. cjson.encode(key) .. ',"node":' .. cjson.encode(node) .. ',"reason":' .. cjson.encode(reason) .. '}'
end
local function busy(key, node, flag)
  return '{"t":"busy","key":' .. cjson.encode(key) .. ',"node":' .. cjson.encode(node) .. ',"busy":' .. flag .. '}'
end
`;

/**
 * ARGV: key, skeleton, member JSON, lenient, token hash. Takes both name keys for this node, or
 * answers 0 when either is held (lenient: held by another node; a node re-asserting its users after an outage).
 */
export const CLAIM = `${PRELUDE}
local key, member = ARGV[3], ARGV[5]
local c, s = 'c:' .. key, 's:' .. ARGV[4]
local heldC, heldS = redis.call('HGET', 'lp:names', c), redis.call('HGET', 'lp:names', s)
if ARGV[6] == '1' then
  if (heldC and heldC ~= self) or (heldS and heldS ~= self) then return 0 end
elseif heldC or heldS then return 0 end
redis.call('HSET', 'lp:names', c, self, s, self)
redis.call('HSET', 'lp:users', key, member)
redis.call('HSET', 'lp:resume', key, ARGV[7])
fanout('{"t":"user","key":' .. cjson.encode(key) .. ',"user":' .. member .. '}')
return 1`;

/**
 * ARGV: key, hash of the token given, hash of the new token, member JSON (on this node). When the
 * token is key's current one, key and its names move to this node and the token is replaced; every
 * other node hears the member. Answers the node key was on, or 0.
 */
export const TAKE_OVER = `${PRELUDE}
local key, member = ARGV[3], ARGV[6]
if redis.call('HGET', 'lp:resume', key) ~= ARGV[4] then return 0 end
local ok, before = pcall(cjson.decode, redis.call('HGET', 'lp:users', key) or '')
if not ok then return 0 end
redis.call('HSET', 'lp:names', 'c:' .. key, self, 's:' .. before.skeleton, self)
redis.call('HSET', 'lp:users', key, member)
redis.call('HSET', 'lp:resume', key, ARGV[5])
fanout('{"t":"user","key":' .. cjson.encode(key) .. ',"user":' .. member .. '}')
return before.node`;

/** ARGV: key, token hash. This node's user resumed here: its next token. */
export const RENEW = `${PRELUDE}
if redis.call('HGET', 'lp:names', 'c:' .. ARGV[3]) ~= self then return 0 end
redis.call('HSET', 'lp:resume', ARGV[3], ARGV[4])
return 1`;

/** ARGV: key, member JSON. The owning node's user changed what it published. */
export const UPDATE = `${PRELUDE}
local key, member = ARGV[3], ARGV[4]
if redis.call('HGET', 'lp:names', 'c:' .. key) ~= self then return 0 end
redis.call('HSET', 'lp:users', key, member)
fanout('{"t":"user","key":' .. cjson.encode(key) .. ',"user":' .. member .. '}')
return 1`;

/** ARGV: key, skeleton, reason. This node's user left: its names go back, every node hears it. */
export const RELEASE = `${PRELUDE}
local key = ARGV[3]
if redis.call('HGET', 'lp:names', 'c:' .. key) == self then
  redis.call('HDEL', 'lp:names', 'c:' .. key)
  redis.call('HDEL', 'lp:users', key)
  redis.call('HDEL', 'lp:resume', key)
end
if redis.call('HGET', 'lp:names', 's:' .. ARGV[4]) == self then redis.call('HDEL', 'lp:names', 's:' .. ARGV[4]) end
fanout(gone(key, self, ARGV[5]))
return 1`;

/** ARGV: key, 'true' or 'false'. This node is (or no longer is) the home of a dialog of key's. */
export const BUSY = `${PRELUDE}
local key = ARGV[3]
if ARGV[4] == 'true' then redis.call('HSET', 'lp:busy', key .. '\\n' .. self, '1')
else redis.call('HDEL', 'lp:busy', key .. '\\n' .. self) end
fanout(busy(key, self, ARGV[4]))
return 1`;

/** ARGV: the dead node. Everything of it goes, and every other node hears of each user and busy mark. */
export const PURGE = `${PRELUDE}
local dead = ARGV[3]
redis.call('SREM', 'lp:nodes', dead)
redis.call('DEL', 'lp:stream:' .. dead, 'lp:node:' .. dead)
local names = redis.call('HGETALL', 'lp:names')
for i = 1, #names, 2 do if names[i + 1] == dead then redis.call('HDEL', 'lp:names', names[i]) end end
local users = redis.call('HGETALL', 'lp:users')
for i = 1, #users, 2 do
  local ok, member = pcall(cjson.decode, users[i + 1])
  if ok and member.node == dead then
    redis.call('HDEL', 'lp:users', users[i])
    redis.call('HDEL', 'lp:resume', users[i])
    fanout(gone(users[i], dead, 'Peer lost'))
  end
end
local marks = redis.call('HGETALL', 'lp:busy')
for i = 1, #marks, 2 do
  local key, node = string.match(marks[i], '^(.*)\\n([^\\n]*)$')
  if node == dead then
    redis.call('HDEL', 'lp:busy', marks[i])
    fanout(busy(key, dead, 'false'))
  end
end
return 1`;

/**
 * ARGV: callId, TTL in ms. A call's home died with both parties alive: the first of their nodes to
 * ask becomes its new home. Answers that node.
 */
export const REHOME = `${PRELUDE}
local key = 'lp:rehome:' .. ARGV[3]
redis.call('SET', key, self, 'NX', 'PX', ARGV[4])
return redis.call('GET', key)`;

/** ARGV: address, TTL in ms. Answers whether this node was missing from the set, then each node and its address ('' when its key expired). */
export const HEARTBEAT = `${PRELUDE}
redis.call('SET', 'lp:node:' .. self, ARGV[3], 'PX', ARGV[4])
local added = redis.call('SADD', 'lp:nodes', self)
local reply = { added }
for _, node in ipairs(redis.call('SMEMBERS', 'lp:nodes')) do
  reply[#reply + 1] = node
  reply[#reply + 1] = redis.call('GET', 'lp:node:' .. node) or ''
end
return reply`;

/** ARGV: envelope JSON. Goes to every node's stream but the caller's ('' from outside the cluster: every node's). */
export const BROADCAST = `${PRELUDE}
fanout(ARGV[3])
return 1`;

/** Every user and every busy mark, for a node that starts or comes back. */
export const SNAPSHOT = `return { redis.call('HGETALL', 'lp:users'), redis.call('HGETALL', 'lp:busy') }`;
