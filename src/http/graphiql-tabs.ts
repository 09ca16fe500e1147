// GraphiQL opens on these tabs (until the browser has tabs of its own stored): sign up, create a
// project, make the ad, and follow it live. Photos need a multipart request: see the README.
const SIGN_UP = `# 1. Sign up (or signIn), then copy accessToken into the Headers tab below:
#    { "Authorization": "Bearer <accessToken>" }
mutation SignUp {
  signUp(input: { email: "owner@example.com", password: "a long password", name: "Owner" }) {
    accessToken
    refreshToken
    user { id email }
  }
}
`;

const CREATE = `# 2. Create a project for the store (needs the Authorization header).
#    Add photos with a multipart request (README: "Using the API"), then make the ad.
mutation CreateProject {
  createProject(input: { storeName: "Sunny Side Bakery", address: "12 Harbor Road", language: EN }) {
    id
    storeName
  }
}

query MyProjects {
  projects(first: 10) {
    totalCount
    edges { node { id storeName imageCount adRuns(first: 1) { totalCount } } }
  }
}
`;

const MAKE = `# 3. Make the ad: lyrics, then a song, then a video (paste the project id).
mutation MakeTheAd($projectId: ID!) {
  generateAd(projectId: $projectId) {
    id
    status
    lyric { id status }
    song { id status }
    video { id status }
  }
}
`;

const FOLLOW = `# 4. Follow it live (Server-Sent Events). Resume after a drop with after: <last sequence>.
subscription FollowTheAd($projectId: ID!) {
  generationUpdated(projectId: $projectId, after: 0) {
    sequence
    kind
    status
    progress
    message
    generation {
      id
      ... on Lyric { text }
      ... on Song { audioUrl }
      ... on Video { videoUrl }
    }
  }
}
`;

const project = JSON.stringify({ projectId: "<paste the project id>" }, null, 2);

export const graphiqlTabs = [
  { query: SIGN_UP },
  { query: CREATE },
  { query: MAKE, variables: project },
  { query: FOLLOW, variables: project },
];
