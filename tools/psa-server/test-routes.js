// Non-PSA routes (behind --test-routes) that let a test check the service really holds a DAG.
// They read the node's raw blockstore only: never the network.
import { createUnsafe } from 'multiformats/block';
import { CID } from 'multiformats/cid';

const IDENTITY = 0x00;
const RAW = 0x55;

/**
 * GET /_test/has/:cid -> { has }
 * GET /_test/dag/:cid -> { complete, blocks, pinned }: walks every link from :cid.
 */
export function addTestRoutes(server, { helia, blockstore }) {
  server.get('/_test/has/:cid', async (request, reply) => {
    const cid = parseCid(request.params.cid);
    if (cid == null) return badCid(reply);
    return { has: cid.multihash.code === IDENTITY || (await blockstore.has(cid)) };
  });

  server.get('/_test/dag/:cid', async (request, reply) => {
    const root = parseCid(request.params.cid);
    if (root == null) return badCid(reply);
    const { complete, blocks } = await walkDag(root, { blockstore, getCodec: helia.getCodec });
    return { complete, blocks, pinned: await helia.pins.isPinned(root) };
  });
}

async function walkDag(root, { blockstore, getCodec }) {
  const seen = new Set();
  const todo = [root];
  let complete = true;
  let blocks = 0;
  while (todo.length > 0) {
    const cid = todo.pop();
    const key = cid.multihash.bytes.join(',') + ':' + cid.code;
    if (seen.has(key)) continue;
    seen.add(key);
    let bytes;
    if (cid.multihash.code === IDENTITY) {
      bytes = cid.multihash.digest;
    } else if (await blockstore.has(cid)) {
      bytes = await blockstore.get(cid);
    } else {
      complete = false;
      continue;
    }
    blocks++;
    if (cid.code === RAW) continue;
    const block = createUnsafe({ bytes, cid, codec: await getCodec(cid.code) });
    for (const [, link] of block.links()) todo.push(link);
  }
  return { complete, blocks };
}

function parseCid(text) {
  try {
    return CID.parse(text);
  } catch {
    return undefined;
  }
}

function badCid(reply) {
  return reply.status(400).send({ error: { reason: 'BAD_CID', details: 'Not a CID' } });
}
