-- AlterTable
ALTER TABLE "songs" ADD COLUMN     "preview_url" TEXT,
ADD COLUMN     "selected_take" INTEGER;

-- CreateTable
CREATE TABLE "song_takes" (
    "id" UUID NOT NULL,
    "song_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "provider_track_id" TEXT NOT NULL,
    "provider_audio_url" TEXT,
    "blob_key" TEXT NOT NULL,
    "image_blob_key" TEXT,
    "content_type" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "duration" DOUBLE PRECISION,
    "title" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "song_takes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "song_takes_song_id_index_key" ON "song_takes"("song_id", "index");

-- AddForeignKey
ALTER TABLE "song_takes" ADD CONSTRAINT "song_takes_song_id_fkey" FOREIGN KEY ("song_id") REFERENCES "songs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
